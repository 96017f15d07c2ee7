// Date-times of SPEC §2.4 parsed straight from bytes to the local calendar day (days since
// 1970-01-01) in the pipeline's timezone. Only the local date matters to every rule.
import MotcuaFoundation

public struct DateTimeParser: Sendable {
    /// Pipeline timezone as minutes east of UTC.
    public let zoneMinutes: Int
    public let pinned: DateTimeForm?

    public init(zoneMinutes: Int = 7 * 60, pinned: DateTimeForm? = nil) {
        self.zoneMinutes = zoneMinutes
        self.pinned = pinned
    }

    /// The local day of a non-empty value, or nil when it matches no accepted form.
    public func localDay(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32? {
        if let form = pinned { return parse(p, n, form) }
        // The forms are told apart by length and separators, so at most one can match.
        if n >= 19 && p[4] == UInt8(ascii: "-") && p[10] == UInt8(ascii: "T") { return parse(p, n, .iso) }
        switch n {
        case 14: return parse(p, n, .compact)
        case 8: return parse(p, n, .compactDate)
        case 19:
            return p[4] == UInt8(ascii: "-") ? parse(p, n, .isoSpace) : parse(p, n, .vnDateTime)
        case 10:
            return p[4] == UInt8(ascii: "-") ? parse(p, n, .isoDate) : parse(p, n, .vnDate)
        case 16: return parse(p, n, .vnDateMinutes)
        default: return nil
        }
    }

    package func parse(_ p: UnsafePointer<UInt8>, _ n: Int, _ form: DateTimeForm) -> Int32? {
        var y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0
        var offset: Int? = nil
        switch form {
        case .compact:
            guard n == 14, let yy = num(p, 0, 4), let m = num(p, 4, 2), let dd = num(p, 6, 2),
                  let hh = num(p, 8, 2), let mm = num(p, 10, 2), let ss = num(p, 12, 2) else { return nil }
            (y, mo, d, h, mi, s) = (yy, m, dd, hh, mm, ss)
        case .compactDate:
            guard n == 8, let yy = num(p, 0, 4), let m = num(p, 4, 2), let dd = num(p, 6, 2) else { return nil }
            (y, mo, d) = (yy, m, dd)
        case .iso, .isoSpace:
            guard n >= 19, let yy = num(p, 0, 4), p[4] == UInt8(ascii: "-"), let m = num(p, 5, 2),
                  p[7] == UInt8(ascii: "-"), let dd = num(p, 8, 2),
                  p[10] == (form == .iso ? UInt8(ascii: "T") : UInt8(ascii: " ")),
                  let hh = num(p, 11, 2), p[13] == UInt8(ascii: ":"), let mm = num(p, 14, 2),
                  p[16] == UInt8(ascii: ":"), let ss = num(p, 17, 2) else { return nil }
            (y, mo, d, h, mi, s) = (yy, m, dd, hh, mm, ss)
            if form == .isoSpace {
                guard n == 19 else { return nil }
            } else {
                var i = 19
                if i < n && p[i] == UInt8(ascii: ".") {
                    i += 1
                    let fs = i
                    while i < n && isDigit(p[i]) { i += 1 }
                    guard i - fs >= 1 && i - fs <= 9 else { return nil }
                }
                if i < n {
                    if p[i] == UInt8(ascii: "Z") && i + 1 == n {
                        offset = 0
                    } else if (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) && i + 6 == n,
                              let oh = num(p, i + 1, 2), p[i + 3] == UInt8(ascii: ":"), let om = num(p, i + 4, 2),
                              oh <= 14, om <= 59 {
                        offset = (oh * 60 + om) * (p[i] == UInt8(ascii: "-") ? -1 : 1)
                    } else {
                        return nil
                    }
                }
            }
        case .isoDate:
            guard n == 10, let yy = num(p, 0, 4), p[4] == UInt8(ascii: "-"), let m = num(p, 5, 2),
                  p[7] == UInt8(ascii: "-"), let dd = num(p, 8, 2) else { return nil }
            (y, mo, d) = (yy, m, dd)
        case .vnDateTime, .vnDateMinutes, .vnDate:
            let expected = form == .vnDateTime ? 19 : form == .vnDateMinutes ? 16 : 10
            guard n == expected, let dd = num(p, 0, 2), p[2] == UInt8(ascii: "/"), let m = num(p, 3, 2),
                  p[5] == UInt8(ascii: "/"), let yy = num(p, 6, 4) else { return nil }
            (y, mo, d) = (yy, m, dd)
            if form != .vnDate {
                guard p[10] == UInt8(ascii: " "), let hh = num(p, 11, 2), p[13] == UInt8(ascii: ":"),
                      let mm = num(p, 14, 2) else { return nil }
                (h, mi) = (hh, mm)
                if form == .vnDateTime {
                    guard p[16] == UInt8(ascii: ":"), let ss = num(p, 17, 2) else { return nil }
                    s = ss
                }
            }
        }
        guard mo >= 1 && mo <= 12, d >= 1 && d <= daysInMonth(y, mo), h <= 23, mi <= 59, s <= 59 else { return nil }
        let day = daysFromCivil(y, mo, d)
        guard let off = offset else { return Int32(day) }
        // Shift the wall-clock minute from the value's offset to the pipeline's timezone.
        let minutes = day * 1440 + h * 60 + mi - off + zoneMinutes
        return Int32(minutes >= 0 ? minutes / 1440 : (minutes - 1439) / 1440)
    }
}

@inline(__always) private func num(_ p: UnsafePointer<UInt8>, _ at: Int, _ len: Int) -> Int? {
    var v = 0
    for i in at..<(at + len) {
        let b = p[i]
        guard isDigit(b) else { return nil }
        v = v * 10 + Int(b &- 0x30)
    }
    return v
}

