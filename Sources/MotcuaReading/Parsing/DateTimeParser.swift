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
        guard let form = form(p, n) else { return nil }
        return parse(p, n, form)
    }

    /// `localDay` through a memo of date parts (issue 16): exports repeat a few hundred days in
    /// row after row, so a value whose date part is in the memo — same form, length and date
    /// bytes — takes its civil day and only the time part is read; any other value is parsed and
    /// takes its slot. `memo`: 2^memoBits slots (direct-mapped by the date bytes; tests use fewer).
    @inline(__always)
    package func localDay(_ p: UnsafePointer<UInt8>, _ n: Int, memo: UnsafeMutablePointer<DaySlot>,
                          memoBits: Int = DaySlot.memoBits) -> Int32? {
        guard let form = form(p, n) else { return nil }
        let width = form.datePartBytes
        guard n >= width else { return parse(p, n, form) }
        let raw = UnsafeRawPointer(p)
        let w0 = raw.loadUnaligned(as: UInt64.self)
        let w1 = width == 10 ? raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self) : 0
        let mixed = (w0 ^ UInt64(w1) << 48 ^ UInt64(w1) ^ UInt64(n) << 20) &* 0x9E37_79B9_7F4A_7C15
        let slot = memo + Int(truncatingIfNeeded: mixed >> UInt64(64 - memoBits))
        if slot.pointee.form != form || slot.pointee.count != n || slot.pointee.w0 != w0 || slot.pointee.w1 != w1 {
            guard let day = datePart(p, n, form) else { return nil }
            slot.pointee = DaySlot(form: form, count: n, w0: w0, w1: w1, day: day)
        }
        return local(slot.pointee.day, p, n, form)
    }

    /// The only form a value can have: the forms are told apart by length and separators.
    @inline(__always)
    private func form(_ p: UnsafePointer<UInt8>, _ n: Int) -> DateTimeForm? {
        if let form = pinned { return form }
        if n >= 19 && p[4] == UInt8(ascii: "-") && p[10] == UInt8(ascii: "T") { return .iso }
        switch n {
        case 14: return .compact
        case 8: return .compactDate
        case 19: return p[4] == UInt8(ascii: "-") ? .isoSpace : .vnDateTime
        case 10: return p[4] == UInt8(ascii: "-") ? .isoDate : .vnDate
        case 16: return .vnDateMinutes
        default: return nil
        }
    }

    package func parse(_ p: UnsafePointer<UInt8>, _ n: Int, _ form: DateTimeForm) -> Int32? {
        guard let day = datePart(p, n, form) else { return nil }
        return local(day, p, n, form)
    }

    /// The value's length for its form and its date part (p[0..<form.datePartBytes] only) as
    /// days since 1970-01-01, nil when either is wrong.
    private func datePart(_ p: UnsafePointer<UInt8>, _ n: Int, _ form: DateTimeForm) -> Int? {
        var y = 0, mo = 0, d = 0
        switch form {
        case .compact, .compactDate:
            guard n == (form == .compact ? 14 : 8), let yy = num(p, 0, 4), let m = num(p, 4, 2),
                  let dd = num(p, 6, 2) else { return nil }
            (y, mo, d) = (yy, m, dd)
        case .iso, .isoSpace, .isoDate:
            guard form == .isoDate ? n == 10 : n >= 19, let yy = num(p, 0, 4), p[4] == UInt8(ascii: "-"),
                  let m = num(p, 5, 2), p[7] == UInt8(ascii: "-"), let dd = num(p, 8, 2) else { return nil }
            (y, mo, d) = (yy, m, dd)
        case .vnDateTime, .vnDateMinutes, .vnDate:
            let expected = form == .vnDateTime ? 19 : form == .vnDateMinutes ? 16 : 10
            guard n == expected, let dd = num(p, 0, 2), p[2] == UInt8(ascii: "/"), let m = num(p, 3, 2),
                  p[5] == UInt8(ascii: "/"), let yy = num(p, 6, 4) else { return nil }
            (y, mo, d) = (yy, m, dd)
        }
        guard mo >= 1 && mo <= 12, d >= 1 && d <= daysInMonth(y, mo) else { return nil }
        return daysFromCivil(y, mo, d)
    }

    /// The local day of civil day `day` at the value's time part (after its date part, whose
    /// length checks it relies on), nil when the time part is wrong.
    @inline(__always)
    private func local(_ day: Int, _ p: UnsafePointer<UInt8>, _ n: Int, _ form: DateTimeForm) -> Int32? {
        var h = 0, mi = 0, s = 0
        var offset: Int? = nil
        switch form {
        case .compact:
            guard let hh = num(p, 8, 2), let mm = num(p, 10, 2), let ss = num(p, 12, 2) else { return nil }
            (h, mi, s) = (hh, mm, ss)
        case .compactDate, .isoDate, .vnDate:
            break
        case .iso, .isoSpace:
            guard p[10] == (form == .iso ? UInt8(ascii: "T") : UInt8(ascii: " ")),
                  let hh = num(p, 11, 2), p[13] == UInt8(ascii: ":"), let mm = num(p, 14, 2),
                  p[16] == UInt8(ascii: ":"), let ss = num(p, 17, 2) else { return nil }
            (h, mi, s) = (hh, mm, ss)
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
        case .vnDateTime, .vnDateMinutes:
            guard p[10] == UInt8(ascii: " "), let hh = num(p, 11, 2), p[13] == UInt8(ascii: ":"),
                  let mm = num(p, 14, 2) else { return nil }
            (h, mi) = (hh, mm)
            if form == .vnDateTime {
                guard p[16] == UInt8(ascii: ":"), let ss = num(p, 17, 2) else { return nil }
                s = ss
            }
        }
        guard h <= 23, mi <= 59, s <= 59 else { return nil }
        guard let off = offset else { return Int32(day) }
        // Shift the wall-clock minute from the value's offset to the pipeline's timezone.
        let minutes = day * 1440 + h * 60 + mi - off + zoneMinutes
        return Int32(minutes >= 0 ? minutes / 1440 : (minutes - 1439) / 1440)
    }
}

/// A slot of `DateTimeParser.localDay(_:_:memo:)`'s memo: a date part parsed (its form, the
/// value's length, its date bytes as words) and its civil day.
package struct DaySlot {
    package static let memoBits = 8
    package static let memoSlots = 1 << memoBits
    var form: DateTimeForm? = nil
    var count = 0
    var w0: UInt64 = 0
    var w1: UInt16 = 0
    var day = 0
    package init() {}
    init(form: DateTimeForm, count: Int, w0: UInt64, w1: UInt16, day: Int) {
        (self.form, self.count, self.w0, self.w1, self.day) = (form, count, w0, w1, day)
    }

    /// An empty memo of `memoSlots` slots, for one decoder (its owner deallocates it).
    package static func makeMemo() -> UnsafeMutablePointer<DaySlot> {
        let memo = UnsafeMutablePointer<DaySlot>.allocate(capacity: memoSlots)
        memo.initialize(repeating: DaySlot(), count: memoSlots)
        return memo
    }
}

extension DateTimeForm {
    /// The bytes of a value's date part (what `datePart` reads).
    @inline(__always) var datePartBytes: Int { self == .compact || self == .compactDate ? 8 : 10 }
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

