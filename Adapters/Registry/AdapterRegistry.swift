import EmailAdapter
import GenericAdapter
import IMAPAdapter
import InfobipAdapter
import KannelAdapter
import IntakeModel
import TwilioAdapter
import VonageAdapter
import TelegramAdapter
import WebFormAdapter
import WhatsAppAdapter
import XAdapter

/// Every adapter family this build serves. A new channel family adds its folder under `Adapters/`, its
/// target in `Package.swift` (and as a dependency of this one) and one line here; nothing in the core or
/// the HTTP server names a family.
public enum AdapterRegistry {
    /// The families, one per channel type.
    public static let families: [AdapterFamily] = [
        GenericAdapter.family,
        TwilioAdapter.family,
        VonageAdapter.family,
        InfobipAdapter.family,
        KannelAdapter.family,
        WhatsAppAdapter.family,
        EmailAdapter.family,
        IMAPAdapter.family,
        WebFormAdapter.family,
        XAdapter.family,
        TelegramAdapter.family,
    ]
}
