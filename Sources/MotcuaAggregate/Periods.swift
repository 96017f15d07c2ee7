// Reporting periods (SPEC §4): closed ranges of local dates with their labels, including the
// nd09 cut-offs (15th of the month before to the 14th) and `--as-of` truncation.
import MotcuaFoundation
import MotcuaReading

public enum PeriodKind: String, Sendable, CaseIterable {
    case day, week, month, quarter, half, year
    case nd09Month = "nd09-month", nd09Quarter = "nd09-quarter", nd09Half = "nd09-half", nd09Year = "nd09-year"
    case custom

    /// Months per period for the calendar-month based kinds.
    var months: Int? {
        switch self {
        case .month, .nd09Month: return 1
        case .quarter, .nd09Quarter: return 3
        case .half, .nd09Half: return 6
        case .year, .nd09Year: return 12
        default: return nil
        }
    }
    var isND09: Bool { rawValue.hasPrefix("nd09") }
}

public struct Period: Equatable, Sendable {
    public var label: String
    public var from: Int32
    public var to: Int32
    public var partial = false
}

public struct PeriodError: Error { public let message: String }

public enum Periods {
    /// Every period of `kind` overlapping [from, to], cut at `asOf` (SPEC §4).
    public static func covering(kind: PeriodKind, from: Int32, to: Int32, asOf: Int32?) throws -> [Period] {
        guard from <= to else { throw PeriodError(message: "period range \(formatDay(from))..\(formatDay(to)) ends before it begins") }
        var out: [Period] = []
        if kind == .custom {
            out = [Period(label: "\(formatDay(from))..\(formatDay(to))", from: from, to: to)]
        } else {
            var p = containing(kind: kind, day: from)
            while p.from <= to {
                out.append(p)
                p = containing(kind: kind, day: p.to + 1)
            }
        }
        guard let cut = asOf else { return out }
        return out.compactMap { p in
            if p.from > cut { return nil }
            if p.to > cut { return Period(label: p.label, from: p.from, to: cut, partial: true) }
            return p
        }
    }

    /// The period of `kind` (not custom) that holds `day`.
    public static func containing(kind: PeriodKind, day: Int32) -> Period {
        let (y, m, d) = civilFromDays(Int(day))
        switch kind {
        case .day:
            return Period(label: formatDay(day), from: day, to: day)
        case .week:
            let weekday = ((Int(day) % 7) + 7 + 3) % 7   // 0 = Monday (1970-01-01 was a Thursday)
            let monday = Int(day) - weekday
            let thursday = monday + 3
            let (isoYear, _, _) = civilFromDays(thursday)
            let week = (thursday - daysFromCivil(isoYear, 1, 1)) / 7 + 1
            return Period(label: "\(isoYear)-W\(pad2(week))", from: Int32(monday), to: Int32(monday + 6))
        case .custom:
            return Period(label: formatDay(day), from: day, to: day)
        default:
            let span = kind.months!
            // nd09: a date on/after the 15th belongs to the next month's reporting month.
            var (ly, lm) = (y, m)
            if kind.isND09 && d >= 15 { (ly, lm) = addMonths(y, m, 1) }
            let startMonth = ((lm - 1) / span) * span + 1
            let (ey, em) = addMonths(ly, startMonth, span - 1)
            var from = daysFromCivil(ly, startMonth, 1)
            var to = daysFromCivil(ey, em, daysInMonth(ey, em))
            if kind.isND09 {
                let (py, pm) = addMonths(ly, startMonth, -1)
                from = daysFromCivil(py, pm, 15)
                to = daysFromCivil(ey, em, 14)
            }
            return Period(label: label(kind: kind, year: ey, month: em), from: Int32(from), to: Int32(to))
        }
    }

    /// Label of the period whose last calendar month (the month holding its 14th for nd09) is year-month.
    static func label(kind: PeriodKind, year: Int, month: Int) -> String {
        switch kind.months! {
        case 1: return "\(year)-\(pad2(month))"
        case 3: return "\(year)-Q\((month - 1) / 3 + 1)"
        case 6: return "\(year)-H\((month - 1) / 6 + 1)"
        default: return "\(year)"
        }
    }

    /// The period with `label` of `kind` (e.g. `2024-Q1`, `2024-W10`, `2024-03-05`).
    public static func parse(label: String, kind: PeriodKind) -> Period? {
        // A custom label is `FROM..TO` (it starts with a year too: tell it apart first).
        if kind == .custom {
            guard let r = label.range(of: ".."), let f = parseDay(String(label[..<r.lowerBound])),
                  let t = parseDay(String(label[r.upperBound...])), f <= t else { return nil }
            return Period(label: label, from: f, to: t)
        }
        let parts = label.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let year = Int(parts[0]), parts[0].count == 4 else { return nil }
        func byMonth(_ lastMonth: Int) -> Period { containing(kind: kind, day: Int32(daysFromCivil(year, lastMonth, kind.isND09 ? 14 : 1))) }
        switch kind {
        case .day:
            guard let d = parseDay(label) else { return nil }
            return containing(kind: .day, day: d)
        case .week:
            guard parts.count == 2, parts[1].count == 3, parts[1].first == "W", let w = Int(parts[1].dropFirst()), w >= 1 else { return nil }
            // ISO week 1 holds January 4th.
            let jan4 = daysFromCivil(year, 1, 4)
            let p = containing(kind: .week, day: Int32(jan4 + (w - 1) * 7))
            return p.label == label ? p : nil
        case .month, .nd09Month:
            guard parts.count == 2, parts[1].count == 2, let m = Int(parts[1]), (1...12).contains(m) else { return nil }
            return byMonth(m)
        case .quarter, .nd09Quarter:
            guard parts.count == 2, parts[1].count == 2, parts[1].first == "Q", let q = Int(parts[1].dropFirst()), (1...4).contains(q) else { return nil }
            return byMonth(q * 3)
        case .half, .nd09Half:
            guard parts.count == 2, parts[1].count == 2, parts[1].first == "H", let h = Int(parts[1].dropFirst()), (1...2).contains(h) else { return nil }
            return byMonth(h * 6)
        case .year, .nd09Year:
            guard parts.count == 1 else { return nil }
            return byMonth(12)
        case .custom:
            return nil  // handled above
        }
    }
}

/// A strict `yyyy-MM-dd` date.
public func parseDay(_ s: String) -> Int32? {
    let b = Array(s.utf8)
    guard b.count == 10 else { return nil }
    return b.withUnsafeBufferPointer { DateTimeParser(zoneMinutes: 0, pinned: .isoDate).parse($0.baseAddress!, 10, .isoDate) }
}
