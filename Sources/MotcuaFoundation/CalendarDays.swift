// Calendar arithmetic on day numbers (days since 1970-01-01, proleptic Gregorian), shared by
// date parsing, periods, outputs and the generator.

/// Days since 1970-01-01; `noDay` when absent.
public let noDay = Int32.min

public func isLeapYear(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

public func daysInMonth(_ y: Int, _ m: Int) -> Int {
    switch m {
    case 2: return isLeapYear(y) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
public func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
}

/// (year, month, day) of a day number.
public func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
    let z = z0 + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (m <= 2 ? y + 1 : y, m, d)
}

public func addMonths(_ y: Int, _ m: Int, _ n: Int) -> (Int, Int) {
    let total = y * 12 + (m - 1) + n
    return (total >= 0 ? total / 12 : (total - 11) / 12, ((total % 12) + 12) % 12 + 1)
}

public func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

public func pad4(_ v: Int) -> String {
    let s = String(v)
    return s.count >= 4 ? s : String(repeating: "0", count: 4 - s.count) + s
}

/// `yyyy-MM-dd` of a day number.
public func formatDay(_ day: Int32) -> String {
    let (y, m, d) = civilFromDays(Int(day))
    return "\(pad4(y))-\(pad2(m))-\(pad2(d))"
}
