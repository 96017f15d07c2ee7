// libFuzzer target: SPEC §2.4 date-times (Parsing/DateTimeParser.swift). Every form and the
// default (try-all) parser, several zones. An accepted value names a real calendar date: for
// forms without an offset, the local day is exactly the date written in the text; with an
// offset, it is that date or a neighbour.
import Foundation

let zones = [7 * 60, 0, -14 * 60, 14 * 60]

func writtenDate(_ p: UnsafePointer<UInt8>, _ n: Int, _ form: DateTimeForm) -> (Int, Int, Int)? {
    func num(_ at: Int, _ len: Int) -> Int? {
        guard at + len <= n else { return nil }
        var v = 0
        for i in at..<(at + len) { guard p[i] >= 0x30 && p[i] <= 0x39 else { return nil }; v = v * 10 + Int(p[i] - 0x30) }
        return v
    }
    switch form {
    case .compact, .compactDate:
        guard let y = num(0, 4), let m = num(4, 2), let d = num(6, 2) else { return nil }
        return (y, m, d)
    case .iso, .isoSpace, .isoDate:
        guard let y = num(0, 4), let m = num(5, 2), let d = num(8, 2) else { return nil }
        return (y, m, d)
    case .vnDateTime, .vnDateMinutes, .vnDate:
        guard let d = num(0, 2), let m = num(3, 2), let y = num(6, 4) else { return nil }
        return (y, m, d)
    }
}

/// Minutes east of UTC written after the seconds (and fraction) of an ISO value, if any.
func writtenOffset(_ p: UnsafePointer<UInt8>, _ n: Int, _ form: DateTimeForm) -> Int? {
    guard form == .iso, n > 19 else { return nil }
    var i = 19
    if p[i] == UInt8(ascii: ".") { i += 1; while i < n && p[i] >= 0x30 && p[i] <= 0x39 { i += 1 } }
    guard i < n else { return nil }
    if p[i] == UInt8(ascii: "Z") { return 0 }
    guard i + 6 == n else { return nil }
    let v = (Int(p[i + 1] - 0x30) * 10 + Int(p[i + 2] - 0x30)) * 60 + Int(p[i + 4] - 0x30) * 10 + Int(p[i + 5] - 0x30)
    return p[i] == UInt8(ascii: "-") ? -v : v
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDate(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
    defer { p.deallocate() }
    p.update(from: data!, count: size)
    for zone in zones {
        let any = DateTimeParser(zoneMinutes: zone).localDay(p, size)
        var matches = 0
        for form in DateTimeForm.allCases {
            guard let day = DateTimeParser(zoneMinutes: zone, pinned: form).localDay(p, size) else { continue }
            matches += 1
            fuzzCheck(any == day, "default parser \(String(describing: any)) vs pinned \(form) \(day)")
            guard let (y, m, d) = writtenDate(p, size, form) else { fuzzCheck(false, "accepted without a date"); continue }
            fuzzCheck(m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m), "accepted impossible date \(y)-\(m)-\(d)")
            let naive = daysFromCivil(y, m, d)
            let (cy, cm, cd) = civilFromDays(naive)
            fuzzCheck((cy, cm, cd) == (y, m, d), "civil round trip \(y)-\(m)-\(d) → \(cy)-\(cm)-\(cd)")
            if let off = writtenOffset(p, size, form) {
                // Exactly: the written wall-clock minute, moved from its offset to the zone.
                let h = Int(p[11] - 0x30) * 10 + Int(p[12] - 0x30), mi = Int(p[14] - 0x30) * 10 + Int(p[15] - 0x30)
                let minutes = naive * 1440 + h * 60 + mi - off + zone
                let want = minutes >= 0 ? minutes / 1440 : (minutes - 1439) / 1440
                fuzzCheck(Int(day) == want, "offset \(off) in zone \(zone): day \(day), expected \(want)")
            } else {
                fuzzCheck(Int(day) == naive, "local day \(day) is not the written date \(naive)")
            }
        }
        fuzzCheck(matches <= 1, "\(matches) forms accept one value")
        if matches == 0 { fuzzCheck(any == nil, "default parser accepts what no form accepts") }
    }
    return 0
}
