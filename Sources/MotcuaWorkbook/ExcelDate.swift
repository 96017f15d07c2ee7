// Excel serial dates: a number of days (the fraction is the time of day) counted from the
// workbook's epoch — 1900 (where serial 60 is the 29 February 1900 that never was, kept by
// Excel for Lotus 1-2-3's sake) or 1904. Written back as text in one of SPEC §2.4's forms, so
// that a serial date and the same date typed as text read the same.
import MotcuaFoundation

package enum ExcelDate {
    /// The local date-time of a serial, or nil for one that is no date (negative, before day 1,
    /// the phantom 1900-02-29, or beyond year 9999).
    package static func civil(serial: Double, date1904: Bool) -> (year: Int, month: Int, day: Int, seconds: Int)? {
        guard serial.isFinite, serial >= (date1904 ? 0 : 1), serial < 2_958_466 else { return nil }
        // Excel keeps times to the millisecond; the nearest second is what every form shows.
        var whole = serial.rounded(.down)
        var seconds = Int(((serial - whole) * 86_400).rounded())
        if seconds == 86_400 { whole += 1; seconds = 0 }
        let n = Int(whole)
        let days: Int
        if date1904 {
            days = daysFromCivil(1904, 1, 1) + n
        } else if n == 60 {
            return nil
        } else {
            days = daysFromCivil(1899, 12, n < 60 ? 31 : 30) + n
        }
        let (y, m, d) = civilFromDays(days)
        guard y <= 9999 else { return nil }
        return (y, m, d, seconds)
    }

    /// The serial as text in `form` (the input's pinned `date_format`), or `yyyy-MM-dd HH:mm:ss`.
    /// Forms without a time (or seconds) drop them: every rule compares calendar dates.
    package static func text(serial: Double, date1904: Bool, form: DateTimeForm?) -> String? {
        guard let (y, m, d, s) = civil(serial: serial, date1904: date1904) else { return nil }
        let (hh, mm, ss) = (pad2(s / 3600), pad2(s / 60 % 60), pad2(s % 60))
        let (yyyy, MM, dd) = (pad4(y), pad2(m), pad2(d))
        switch form {
        case .compact: return "\(yyyy)\(MM)\(dd)\(hh)\(mm)\(ss)"
        case .compactDate: return "\(yyyy)\(MM)\(dd)"
        case .iso: return "\(yyyy)-\(MM)-\(dd)T\(hh):\(mm):\(ss)"
        case .isoSpace, nil: return "\(yyyy)-\(MM)-\(dd) \(hh):\(mm):\(ss)"
        case .isoDate: return "\(yyyy)-\(MM)-\(dd)"
        case .vnDateTime: return "\(dd)/\(MM)/\(yyyy) \(hh):\(mm):\(ss)"
        case .vnDateMinutes: return "\(dd)/\(MM)/\(yyyy) \(hh):\(mm)"
        case .vnDate: return "\(dd)/\(MM)/\(yyyy)"
        }
    }
}
