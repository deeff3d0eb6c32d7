import IntakeCore

/// The language of the citizen's pages: Bahasa Indonesia unless `?lang=en`, or else the browser's first
/// `Accept-Language` tag, or else the channel's `language`, says English (the backend's `FormLanguage` rule).
enum PageLanguage: String, Sendable, CaseIterable {
    case indonesian = "id"
    case english = "en"

    /// `query` is the `lang` query parameter, which a page's links and form action carry once chosen.
    static func of(query: String?, acceptLanguage: String?, channelLanguage: String = "id") -> PageLanguage {
        switch query?.lowercased() {
        case "en": return .english
        case "id": return .indonesian
        default: break
        }
        if let header = acceptLanguage {
            let first = header.split(separator: ",").first?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            if first == "en" || first.hasPrefix("en-") { return .english }
            if first == "id" || first.hasPrefix("id-") || first == "in" { return .indonesian }
        }
        return channelLanguage.lowercased().hasPrefix("en") ? .english : .indonesian
    }

    var other: PageLanguage { self == .english ? .indonesian : .english }
    var reply: ReplyLanguage { self == .english ? .english : .indonesian }
    /// All page text in this language.
    var text: [String: String] { self == .english ? PageText.english : PageText.indonesian }
}

/// Every word the pages show, one table per language; templates read them as `{{t.<key>}}`. The field
/// error messages are the backend's (`WebFormText.swift`), in the same language.
enum PageText {
    static let indonesian: [String: String] = [
        "site": "LAPOR! Layanan Aspirasi dan Pengaduan Online Rakyat",
        "form_title": "Sampaikan Laporan Anda",
        "form_intro": "Isi formulir di bawah ini. Kolom bertanda (wajib) harus diisi; yang lain boleh dikosongkan.",
        "lang_switch": "English",
        "skip": "Langsung ke isi halaman",
        "nav_label": "Bahasa",
        "required": "(wajib)",
        "optional": "(tidak wajib)",
        "title_label": "Judul Laporan",
        "title_hint": "Ringkas, paling banyak 200 karakter. Contoh: Jalan berlubang di depan pasar.",
        "body_label": "Isi Laporan",
        "body_hint": "Ceritakan kronologinya: apa yang terjadi, di mana, kapan, dan siapa yang terlibat. Paling sedikit 20 karakter.",
        "incident_date_label": "Tanggal Kejadian",
        "incident_date_hint": "Format TTTT-BB-HH, tidak boleh di masa depan.",
        "location_label": "Lokasi Kejadian",
        "location_hint": "Kabupaten/kota dan kecamatan, misalnya: Coblong, Kota Bandung, Jawa Barat. Saran muncul saat mengetik.",
        "agency_label": "Instansi Tujuan",
        "agency_hint": "Jika Anda tahu instansi yang berwenang, misalnya Dinas Pekerjaan Umum.",
        "category_label": "Kategori",
        "category_hint": "Misalnya: Infrastruktur, Kesehatan, Pendidikan, Kependudukan.",
        "kind_label": "Jenis Laporan",
        "kind_complaint": "Pengaduan",
        "kind_aspiration": "Aspirasi",
        "kind_information_request": "Permintaan Informasi",
        "attachments_label": "Lampiran",
        "attachments_hint": "Foto, PDF, atau video; boleh beberapa berkas.",
        "limits": "Paling besar {{per_file}} per berkas dan {{per_message}} untuk semua berkas.",
        "privacy_legend": "Kerahasiaan",
        "anonymous_label": "Laporkan secara anonim",
        "anonymous_hint": "Identitas Anda tidak diteruskan ke instansi.",
        "confidential_label": "Rahasiakan laporan",
        "confidential_hint": "Isi laporan tidak akan dipublikasikan.",
        "contact_legend": "Kontak untuk kabar laporan",
        "contact_intro": "Boleh diisi salah satu agar kami dapat mengirim nomor pelacakan dan kabar laporan Anda.",
        "contact_phone_label": "Nomor Telepon",
        "contact_phone_hint": "Contoh: 0812 3456 7890.",
        "contact_email_label": "Alamat Email",
        "contact_email_hint": "Contoh: nama@contoh.id.",
        "website_label": "Jangan isi kolom ini",
        "submit": "Kirim Laporan",
        "summary_title": "Laporan belum terkirim. Periksa isian berikut:",
        "files_lost": "Lampiran yang sudah Anda pilih tidak dapat disimpan oleh browser; pilih berkasnya lagi.",
        "typed_lost": "Isian Anda tidak dapat kami simpan. Gunakan tombol Kembali pada browser untuk melihatnya lagi.",
        "file_number": "Berkas {{n}}:",
        "rate_limited": "Terlalu banyak laporan dari alamat Anda. Tunggu {{seconds}} detik, lalu kirim lagi.",
        "too_large": "Laporan terlalu besar: paling besar {{limit}} termasuk lampiran.",
        "unreadable": "Formulir tidak dapat dibaca. Kirim lagi.",
        "honeypot": "Permintaan tidak dapat diproses.",
        "unavailable": "Laporan belum dapat disimpan saat ini. Tidak ada yang tersimpan; coba lagi sebentar lagi.",
        "receipt_title": "Laporan Anda Diterima",
        "receipt_number_label": "Nomor pelacakan",
        "receipt_received": "Diterima",
        "receipt_status": "Status",
        "receipt_keep": "Simpan nomor ini. Anda memerlukannya untuk menanyakan status laporan.",
        "receipt_next_title": "Apa selanjutnya?",
        "receipt_next": "Laporan Anda diperiksa lalu diteruskan ke instansi yang berwenang. Jika Anda memberi nomor telepon atau email, kabar laporan dikirim ke sana.",
        "receipt_check": "Cek status laporan ini",
        "print": "Cetak tanda terima",
        "new_report": "Buat laporan baru",
        "status_title": "Cek Status Laporan",
        "status_intro": "Masukkan nomor pelacakan yang Anda terima, misalnya LPR-XXXX-XXXX.",
        "nomor_label": "Nomor Pelacakan",
        "status_submit": "Cek Status",
        "status_found": "Laporan {{number}}: {{status}}.",
        "status_not_found": "Laporan dengan nomor {{number}} tidak ditemukan. Periksa kembali nomor pelacakan Anda.",
        "status_mistyped": "Nomor {{number}} tidak valid, mungkin salah ketik. Periksa kembali (LPR-XXXX-XXXX).",
        "status_empty": "Masukkan nomor pelacakan.",
        "status_limited": "Terlalu banyak pertanyaan dari alamat Anda. Tunggu {{seconds}} detik, lalu coba lagi.",
        "not_found_title": "Halaman Tidak Ditemukan",
        "unknown_channel": "Formulir ini tidak ada.",
        "error_title": "Laporan Tidak Terkirim",
        "back_to_form": "Kembali ke formulir",
        "months": "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember",
    ]

    static let english: [String: String] = [
        "site": "LAPOR! Indonesia's online aspiration and complaint service",
        "form_title": "Submit Your Report",
        "form_intro": "Fill in the form below. Fields marked (required) must be filled in; the others may be left empty.",
        "lang_switch": "Bahasa Indonesia",
        "skip": "Skip to content",
        "nav_label": "Language",
        "required": "(required)",
        "optional": "(optional)",
        "title_label": "Report title",
        "title_hint": "Short, at most 200 characters. For example: Potholes in front of the market.",
        "body_label": "Report details",
        "body_hint": "Tell what happened: what, where, when and who was involved. At least 20 characters.",
        "incident_date_label": "Date of the incident",
        "incident_date_hint": "Format YYYY-MM-DD, not in the future.",
        "location_label": "Place of the incident",
        "location_hint": "Regency or city and district, for example: Coblong, Kota Bandung, Jawa Barat. Suggestions appear as you type.",
        "agency_label": "Agency",
        "agency_hint": "If you know the responsible agency, for example the Public Works Office.",
        "category_label": "Category",
        "category_hint": "For example: Infrastructure, Health, Education, Civil registration.",
        "kind_label": "Kind of report",
        "kind_complaint": "Complaint",
        "kind_aspiration": "Aspiration",
        "kind_information_request": "Request for information",
        "attachments_label": "Attachments",
        "attachments_hint": "Photos, PDF or video; several files are allowed.",
        "limits": "At most {{per_file}} per file and {{per_message}} for all files together.",
        "privacy_legend": "Privacy",
        "anonymous_label": "Report anonymously",
        "anonymous_hint": "Your identity is not passed on to the agency.",
        "confidential_label": "Keep the report confidential",
        "confidential_hint": "The report will never be published.",
        "contact_legend": "Contact for updates",
        "contact_intro": "Give one if you like, so we can send you the tracking number and news of your report.",
        "contact_phone_label": "Phone number",
        "contact_phone_hint": "For example: 0812 3456 7890.",
        "contact_email_label": "Email address",
        "contact_email_hint": "For example: name@example.id.",
        "website_label": "Leave this field empty",
        "submit": "Send report",
        "summary_title": "Your report was not sent yet. Please check the following:",
        "files_lost": "The browser cannot keep the files you chose; please choose them again.",
        "typed_lost": "What you typed could not be kept. Use your browser's Back button to see it again.",
        "file_number": "File {{n}}:",
        "rate_limited": "Too many reports from your address. Wait {{seconds}} seconds, then send it again.",
        "too_large": "The report is too large: at most {{limit}} including attachments.",
        "unreadable": "The form could not be read. Please send it again.",
        "honeypot": "The request could not be processed.",
        "unavailable": "The report cannot be stored right now. Nothing was stored; please try again shortly.",
        "receipt_title": "Your Report Was Received",
        "receipt_number_label": "Tracking number",
        "receipt_received": "Received",
        "receipt_status": "Status",
        "receipt_keep": "Keep this number. You need it to ask about your report's status.",
        "receipt_next_title": "What happens next?",
        "receipt_next": "Your report is reviewed and forwarded to the responsible agency. If you gave a phone number or email, news of the report is sent there.",
        "receipt_check": "Check this report's status",
        "print": "Print receipt",
        "new_report": "Submit a new report",
        "status_title": "Check a Report's Status",
        "status_intro": "Enter the tracking number you received, for example LPR-XXXX-XXXX.",
        "nomor_label": "Tracking number",
        "status_submit": "Check status",
        "status_found": "Report {{number}}: {{status}}.",
        "status_not_found": "No report has the number {{number}}. Please check your tracking number.",
        "status_mistyped": "{{number}} is not a valid tracking number, perhaps a typo. Please check it (LPR-XXXX-XXXX).",
        "status_empty": "Enter a tracking number.",
        "status_limited": "Too many questions from your address. Wait {{seconds}} seconds, then try again.",
        "not_found_title": "Page Not Found",
        "unknown_channel": "This form does not exist.",
        "error_title": "Report Not Sent",
        "back_to_form": "Back to the form",
        "months": "January February March April May June July August September October November December",
    ]
}

extension Dictionary where Key == String, Value == String {
    /// The text under `key` with each `{{name}}` replaced by `values[name]` (plain text; the template escapes it).
    func fill(_ key: String, _ values: [String: String] = [:]) -> String {
        ReplyTemplates.render(self[key] ?? key, values)
    }
}
