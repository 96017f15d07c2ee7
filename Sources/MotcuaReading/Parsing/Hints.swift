// Hints that name the fix (issue 18): warnings for summary.json (and stderr) when a whole
// file or field seems to be read with the wrong settings — a CSV delimiter, a date form.
// Built once per file or field from what the reader kept, never per record.
import MotcuaFoundation

extension DossierField {
    /// NgayTiepNhan, NgayHenTra, NgayKetThucXuLy, NgayTra (SPEC §2.4).
    package var isDate: Bool { self == .ngayTiepNhan || self == .ngayHenTra || self == .ngayKetThucXuLy || self == .ngayTra }
}

package enum ReadingHints {
    /// The delimiters a CSV input may use (SPEC §2.3), as counted and as written in a pipeline.
    static let delimiters: [(byte: UInt8, yaml: String)] = [(0x3B, #"";""#), (0x09, #""\t""#), (0x2C, #"",""#)]

    /// A CSV header row read as one column whose line holds another delimiter: which one the
    /// file seems to use (the one it holds most of; `;`, then tab, then `,` on a tie).
    static func delimiter(header: UnsafeBufferPointer<UInt8>, configured: UInt8, file: String) -> String? {
        var best: (byte: UInt8, yaml: String, count: Int)?
        for d in delimiters where d.byte != configured {
            let n = header.reduce(0) { $0 + ($1 == d.byte ? 1 : 0) }
            if n > 0 && n > (best?.count ?? 0) { best = (d.byte, d.yaml, n) }
        }
        guard let b = best else { return nil }
        let what = b.byte == 0x09 ? (b.count == 1 ? "tab" : "tabs") : "'\(Character(Unicode.Scalar(b.byte)))'"
        return "\(file): the header row has 1 column, but its line holds \(b.count) \(what): set delimiter: \(b.yaml) for this input"
    }

    /// Digits and separators laid out as one of the forms of SPEC §2.4 (whatever their values).
    static func hasDateShape(_ value: [UInt8]) -> Bool {
        let shape = String(decoding: value.map { $0 >= 0x30 && $0 <= 0x39 ? UInt8(ascii: "9") : $0 }, as: UTF8.self)
        return ["99999999999999", "99999999", "9999-99-99 99:99:99", "9999-99-99", "99/99/9999 99:99:99", "99/99/9999 99:99",
                "99/99/9999"].contains(shape) || shape.hasPrefix("9999-99-99T99:99:99")
    }

    /// Values of one file's date field that are no date in an accepted form (SPEC §2.4): how
    /// many, the first, and what `date_format` would read it (when another form does). The
    /// value is the decoder's `invalidValue`: JSON values that are not strings come as written.
    package static func invalidDates(file: String, field: DossierField, _ seen: InvalidDates, zoneMinutes: Int,
                                     pinned: DateTimeForm?) -> String {
        let values = seen.count == 1 ? "1 \(field.name) value is not a date" : "\(seen.count) \(field.name) values are not dates"
        var text = "\(file): \(values) in an accepted form (rejected as invalid_value:\(field.name)"
        var readsAs: DateTimeForm?
        if let v = seen.firstValue {
            text += "; first: \"\(String(decoding: v, as: UTF8.self))\""
            let parser = DateTimeParser(zoneMinutes: zoneMinutes)
            readsAs = v.withUnsafeBufferPointer { b in
                b.count == 0 ? nil : DateTimeForm.allCases.first { parser.parse(b.baseAddress!, b.count, $0) != nil }
            }
        }
        text += ")"
        if let form = readsAs, pinned == nil || pinned == form {
            // A date the reader would take, were it text: a JSON number, say.
            return text + "; dates must be JSON strings"
        }
        if let pin = pinned, let form = readsAs {
            return text + "; this input's date_format pins \(pin.rawValue), but that value reads as \(form.rawValue): set date_format: \"\(form.rawValue)\" (or remove it)"
        }
        if let v = seen.firstValue, hasDateShape(v) {
            // 31/02/2024: the form is right, the day is not — no date_format reads it.
            return text + "; that value has the form of a date but is no day of the calendar (a day, month or time out of range): correct it at the source"
        }
        if let pin = pinned { text += "; this input's date_format pins \(pin.rawValue)" }
        return text + ". Accepted forms: \(DateTimeForm.allCases.map(\.rawValue).joined(separator: ", ")); date_format pins one of them for an input"
    }
}
