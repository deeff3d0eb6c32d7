/// A message that answers an earlier one of ours (an email reply to an acknowledgment): the adapter puts the
/// tracking number it refers to in the message's metadata, and the pipeline adds the message to that
/// complaint when it is the same reporter's (`ThreadRule`), instead of opening a new one.
public enum MessageThread {
    /// The metadata key holding the tracking number (`LPR-XXXX-XXXX`) the message replies to.
    public static let metadataKey = "thread_tracking_number"
    /// The metadata key holding the ids of the messages this one replies to (an email's `References` and
    /// `In-Reply-To`), space-separated, oldest first: a reply to it names them so the thread stays whole.
    public static let referencesKey = "thread_references"

    /// The first valid tracking number written anywhere in `text` (`Re: [LPR-7K3M-9QX2] …`, a Message-ID
    /// `<LPR-7K3M-9QX2.ack@…>`), or nil.
    public static func trackingNumber(in text: String) -> TrackingNumber? {
        let upper = Array(text.uppercased().utf8)
        let prefix = Array("LPR-".utf8)
        var index = 0
        while index + 13 <= upper.count {
            if Array(upper[index..<index + 4]) == prefix,
               let number = TrackingNumber(parsing: String(decoding: upper[index..<index + 13], as: UTF8.self)) {
                return number
            }
            index += 1
        }
        return nil
    }
}
