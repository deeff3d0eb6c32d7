import Foundation
import IntakeDedup

/// Place names for the form's location field, from the gazetteer the dedup engine ships: every regency and
/// city with its province (the page's `<datalist>`, enough without JavaScript), and their districts, which
/// the page asks for as the citizen types (`GET /lapor/wilayah?q=`) rather than carrying 7,000 of them.
struct Wilayah: Sendable {
    /// "Kota Bandung, Jawa Barat", "Kabupaten Sleman, DI Yogyakarta", sorted.
    let regencies: [String]
    /// Regencies, cities and districts ("Coblong, Kota Bandung, Jawa Barat"), each with its name lower-cased.
    private let entries: [(name: String, label: String)]

    static let suggestionLimit = 20

    init(_ gazetteer: Gazetteer) {
        var provinces: [String: String] = [:]
        for place in gazetteer.places where place.kind == .province { provinces[place.code] = place.name }
        func label(_ place: Place, province: Substring) -> String? {
            provinces[String(province)].map { "\(place.kind == .city ? "Kota" : "Kabupaten") \(place.name), \($0)" }
        }
        var regencyLabels: [String: String] = [:]
        var entries: [(name: String, label: String)] = []
        var districts: [(name: String, label: String)] = []
        for place in gazetteer.places {
            let parts = place.code.split(separator: ".")
            switch place.kind {
            case .regency, .city:
                guard parts.count == 2, let text = label(place, province: parts[0]) else { continue }
                regencyLabels[place.code] = text
                entries.append((place.name.lowercased(), text))
            case .district:
                guard parts.count == 3, let regency = regencyLabels[parts[0] + "." + parts[1]] else { continue }
                districts.append((place.name.lowercased(), "\(place.name), \(regency)"))
            default: continue
            }
        }
        regencies = regencyLabels.values.sorted()
        self.entries = entries + districts
    }

    /// Up to 20 places whose name, or a word of it, starts with `query` (before any comma); regencies first.
    func suggestions(_ query: String) -> [String] {
        let term = (query.split(separator: ",").first.map(String.init) ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard term.count >= 2 else { return [] }
        var found: [String] = []
        for entry in entries where entry.name.hasPrefix(term) || entry.name.contains(" " + term) {
            found.append(entry.label)
            if found.count == Self.suggestionLimit { break }
        }
        return found
    }
}
