import IntakeModel

/// Why a field was refused; `text(in:)` is what the citizen reads next to the field.
enum FieldProblem: Equatable {
    case required
    case tooLong(Int)
    case tooShort(Int)
    case notADate
    case futureDate
    case notAKind
    case notABoolean
    /// A JSON object or array where a string, a number or a boolean belongs.
    case notText
    case notAPhone
    case notAnEmail
    case fileType
    case fileTooLarge(Int)
    case filesTooLarge(Int)
    case tooManyFiles(Int)
    case tokenMissing
    case tokenInvalid
    case tokenExpired
    case tooFast

    func text(in language: CitizenLanguage) -> String {
        language == .english ? english : indonesian
    }

    private var indonesian: String {
        switch self {
        case .required: "Wajib diisi."
        case .tooLong(let limit): "Paling banyak \(limit) karakter."
        case .tooShort(let limit): "Paling sedikit \(limit) karakter."
        case .notADate: "Tanggal harus berformat TTTT-BB-HH."
        case .futureDate: "Tanggal kejadian tidak boleh di masa depan."
        case .notAKind: "Pilih salah satu: pengaduan, aspirasi, atau permintaan informasi."
        case .notABoolean: "Isian ini hanya boleh ya atau tidak."
        case .notText: "Isian ini harus berupa teks, angka, atau ya/tidak."
        case .notAPhone: "Nomor telepon tidak valid."
        case .notAnEmail: "Alamat email tidak valid."
        case .fileType: "Jenis berkas tidak diterima: hanya foto, PDF, atau video."
        case .fileTooLarge(let limit): "Berkas lebih besar dari batas \(Self.size(limit))."
        case .filesTooLarge(let limit): "Jumlah ukuran lampiran melebihi batas \(Self.size(limit))."
        case .tooManyFiles(let limit): "Paling banyak \(limit) berkas."
        case .tokenMissing: "Formulir tidak lengkap. Muat ulang halaman lalu kirim lagi."
        case .tokenInvalid: "Formulir tidak sah. Muat ulang halaman lalu kirim lagi."
        case .tokenExpired: "Formulir sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi."
        case .tooFast: "Formulir dikirim terlalu cepat. Periksa isian Anda lalu kirim lagi."
        }
    }

    private var english: String {
        switch self {
        case .required: "This field is required."
        case .tooLong(let limit): "At most \(limit) characters."
        case .tooShort(let limit): "At least \(limit) characters."
        case .notADate: "The date must be written as YYYY-MM-DD."
        case .futureDate: "The date of the incident cannot be in the future."
        case .notAKind: "Choose one of: complaint, aspiration, request for information."
        case .notABoolean: "This field can only be yes or no."
        case .notText: "This field must be text, a number, or true/false."
        case .notAPhone: "This is not a valid phone number."
        case .notAnEmail: "This is not a valid email address."
        case .fileType: "This kind of file is not accepted: only photos, PDF or video."
        case .fileTooLarge(let limit): "The file is larger than the limit of \(Self.size(limit))."
        case .filesTooLarge(let limit): "The attachments together exceed the limit of \(Self.size(limit))."
        case .tooManyFiles(let limit): "At most \(limit) files."
        case .tokenMissing: "The form is incomplete. Reload the page and send it again."
        case .tokenInvalid: "The form is not valid. Reload the page and send it again."
        case .tokenExpired: "The form has expired. Reload the page and send it again."
        case .tooFast: "The form was sent too quickly. Check what you typed and send it again."
        }
    }

    /// A limit as the citizen reads it: `10 MB`, `64 KB`, `500 B`.
    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MB" : bytes >= 1 << 10 ? "\(bytes >> 10) KB" : "\(bytes) B"
    }
}

/// The generic answer to a request that tripped the honeypot: it says nothing about why.
enum GenericRefusal {
    static func text(in language: CitizenLanguage) -> String {
        language == .english ? "The request could not be processed." : "Permintaan tidak dapat diproses."
    }
}
