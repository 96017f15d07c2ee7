// Days and times for `motcua generate`: local calendar dates as day numbers (days since
// 1970-01-01), times as local seconds since then, Vietnam's working days (weekends, fixed
// public holidays, Tết and the Hùng Kings' day from a table for 2019–2030), and the SPEC §2.4
// date forms written straight into bytes.
import MotcuaFoundation

enum GenCalendar {
    /// Day number of a proleptic Gregorian date (the parser's own conversion).
    static func day(_ y: Int, _ m: Int, _ d: Int) -> Int { daysFromCivil(y, m, d) }

    /// (year, month, day) of a day number.
    static func civil(_ z: Int) -> (y: Int, m: Int, d: Int) {
        let (y, m, d) = civilFromDays(z)
        return (y, m, d)
    }

    /// 0 = Monday … 6 = Sunday.
    static func weekday(_ day: Int) -> Int { ((day + 3) % 7 + 7) % 7 }

    /// `yyyy-MM-dd` → day number, nil when not a real date.
    static func parse(_ s: String) -> Int? {
        let b = Array(s.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r { guard b[i] >= 48 && b[i] <= 57 else { return nil }; v = v * 10 + Int(b[i] - 48) }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10), (1...12).contains(m), d >= 1 else { return nil }
        let dd = day(y, m, d)
        return civil(dd) == (y, m, d) ? dd : nil
    }

    static func text(_ day: Int) -> String {
        let (y, m, d) = civil(day)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))"
    }

    // Official days off (approximate where a decree shifted them): Tết (first, last day),
    // Giỗ Tổ Hùng Vương (10/3 lunar); plus 1/1, 30/4, 1/5, 2/9 and the day before or after.
    static let tet: [Int: ((Int, Int), (Int, Int))] = [
        2019: ((2, 2), (2, 10)), 2020: ((1, 23), (1, 29)), 2021: ((2, 10), (2, 16)), 2022: ((1, 29), (2, 6)),
        2023: ((1, 20), (1, 26)), 2024: ((2, 8), (2, 14)), 2025: ((1, 25), (2, 2)), 2026: ((2, 14), (2, 22)),
        2027: ((2, 4), (2, 10)), 2028: ((1, 24), (1, 30)), 2029: ((2, 11), (2, 17)), 2030: ((2, 1), (2, 7)),
    ]
    static let hungKings: [Int: (Int, Int)] = [
        2019: (4, 15), 2020: (4, 2), 2021: (4, 21), 2022: (4, 11), 2023: (4, 29), 2024: (4, 18),
        2025: (4, 7), 2026: (4, 26), 2027: (4, 16), 2028: (4, 4), 2029: (4, 23), 2030: (4, 12),
    ]

    static func isHoliday(_ day: Int) -> Bool {
        let (y, m, d) = civil(day)
        if (m == 1 && d == 1) || (m == 4 && d == 30) || (m == 5 && d == 1) || (m == 9 && (d == 2 || d == 3)) { return true }
        if let (a, b) = tet[y], day >= GenCalendar.day(y, a.0, a.1) && day <= GenCalendar.day(y, b.0, b.1) { return true }
        if let h = hungKings[y], m == h.0 && d == h.1 { return true }
        return false
    }
}

/// Working days over a range of day numbers, precomputed (computed on the fly outside it).
struct WorkCalendar: Sendable {
    let first: Int
    let flags: [Bool]

    init(from first: Int, through last: Int) {
        self.first = first
        flags = (first...last).map { WorkCalendar.compute($0) }
    }

    static func compute(_ day: Int) -> Bool { GenCalendar.weekday(day) < 5 && !GenCalendar.isHoliday(day) }

    @inline(__always) func isWorkday(_ day: Int) -> Bool {
        let i = day - first
        return i >= 0 && i < flags.count ? flags[i] : WorkCalendar.compute(day)
    }

    func addWorkdays(_ day: Int, _ n: Int) -> Int {
        var d = day, left = n
        while left > 0 {
            d += 1
            if isWorkday(d) { left -= 1 }
        }
        return d
    }

    func nextWorkday(_ day: Int) -> Int {
        var d = day + 1
        while !isWorkday(d) { d += 1 }
        return d
    }

    func previousWorkday(_ day: Int) -> Int {
        var d = day - 1
        while !isWorkday(d) { d -= 1 }
        return d
    }
}

/// The SPEC §2.4 forms the generator writes.
enum DateForm: UInt8 {
    case portal      // yyyyMMddHHmmss
    case isoZ        // yyyy-MM-dd'T'HH:mm:ssZ (UTC: the local date may be the next day of the one written)
    case isoOffset   // yyyy-MM-dd'T'HH:mm:ss.SSS+07:00
    case sql         // yyyy-MM-dd HH:mm:ss
    case vnDateTime  // dd/MM/yyyy HH:mm:ss
    case vnMinutes   // dd/MM/yyyy HH:mm
    case vnDate      // dd/MM/yyyy
}

extension ByteSink {
    /// A local time (seconds since 1970-01-01 local) in one of the §2.4 forms; `millis` for isoOffset.
    func date(_ local: Int64, _ form: DateForm, millis: Int = 0) {
        let t = form == .isoZ ? local - 7 * 3600 : local
        let day = Int(t >= 0 ? t / 86400 : (t - 86399) / 86400)
        let secs = Int(t - Int64(day) * 86400)
        let (y, m, d) = GenCalendar.civil(day)
        let hh = secs / 3600, mm = secs / 60 % 60, ss = secs % 60
        switch form {
        case .portal:
            padded(y, 4); padded(m, 2); padded(d, 2); padded(hh, 2); padded(mm, 2); padded(ss, 2)
        case .isoZ, .isoOffset, .sql:
            padded(y, 4); byte(0x2D); padded(m, 2); byte(0x2D); padded(d, 2)
            byte(form == .sql ? 0x20 : 0x54)
            padded(hh, 2); byte(0x3A); padded(mm, 2); byte(0x3A); padded(ss, 2)
            if form == .isoZ { byte(0x5A) }
            if form == .isoOffset { byte(0x2E); padded(millis, 3); text("+07:00") }
        case .vnDateTime, .vnMinutes, .vnDate:
            padded(d, 2); byte(0x2F); padded(m, 2); byte(0x2F); padded(y, 4)
            if form != .vnDate { byte(0x20); padded(hh, 2); byte(0x3A); padded(mm, 2) }
            if form == .vnDateTime { byte(0x3A); padded(ss, 2) }
        }
    }
}
