// Validates one NDJSON line as an RFC 8259 object (depth ≤ 64, SPEC §2.2) and records where
// the §2.2 fields' values are, without copying anything. Other fields are skipped by
// scanning; the two arrays that matter (DanhSachLePhi, DanhSachGiayToKetQua) are reduced
// to booleans on the way. Input must already be valid UTF-8. Since issue 16 the hot path uses
// JSONStructuralScanner; this one stays as the reference it is tested against.
import MotcuaFoundation
import CByteKernels
import Foundation

/// The §2.2 fields in table order (which is also the order of `invalid_value` checks).
public enum DossierField: Int, CaseIterable, Sendable {
    case maHoSo, maDonVi, maTTHC, maLinhVuc, kenhThucHien, mucDo, trangThaiHoSo,
         ngayTiepNhan, ngayHenTra, ngayKetThucXuLy, ngayTra, hinhThuc,
         duocThanhToanTrucTuyen, hoSoCoThanhPhanSoHoa, danhSachLePhi, danhSachGiayToKetQua

    public var name: String { DossierField.names[rawValue] }
    static let names = [
        "MaHoSo", "MaDonVi", "MaTTHC", "MaLinhVuc", "KenhThucHien", "MucDo", "TrangThaiHoSo",
        "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra", "HinhThuc",
        "DuocThanhToanTrucTuyen", "HoSoCoThanhPhanSoHoa", "DanhSachLePhi", "DanhSachGiayToKetQua",
    ]
    static let nameBytes: [[UInt8]] = names.map { Array($0.utf8) }
    static let count = 16
}

public enum JSONKind: UInt8 {
    case absent, null, string, number, trueValue, falseValue, object, array
}

/// Where one field's value sits in the line. For strings, `start..<end` excludes the quotes.
public struct ValueSlot {
    public var kind: JSONKind = .absent
    public var start = 0
    public var end = 0
    public var escaped = false
    /// For the two arrays: whether some element qualifies.
    public var flag = false
}

public final class JSONRecordScanner {
    public static let maxDepth = 64
    /// One slot per `DossierField`; raw storage so the hot loop pays no copy-on-write checks.
    public let slots: UnsafeMutablePointer<ValueSlot>
    // Exclusivity unchecked at run time (the hot path): one thread owns this object at a time.
    /// Scratch for unescaping keys (rare); reused.
    @exclusivity(unchecked) private var keys = EscapedKeys()
    private let names = FieldNameMatcher()

    public init() {
        slots = .allocate(capacity: DossierField.count)
        slots.initialize(repeating: ValueSlot(), count: DossierField.count)
    }
    deinit { slots.deallocate() }

    /// Scans `line`; false when it is not a single JSON object.
    public func scan(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        slots.update(repeating: ValueSlot(), count: DossierField.count)
        guard let base = line.baseAddress else { return false }
        var c = Cursor(base: base, end: line.count)
        c.skipWS()
        guard c.pos < c.end, base[c.pos] == UInt8(ascii: "{") else { return false }
        c.pos += 1
        guard scanTopObject(&c) else { return false }
        c.skipWS()
        return c.pos == c.end
    }

    private func scanTopObject(_ c: inout Cursor) -> Bool {
        c.skipWS()
        if c.peek == UInt8(ascii: "}") { c.pos += 1; return true }
        while true {
            c.skipWS()
            guard c.peek == UInt8(ascii: "\"") else { return false }
            c.pos += 1
            let keyStart = c.pos
            guard let keyEscaped = c.scanStringBody() else { return false }
            let field = keys.field(c.base, keyStart, c.pos - 1, escaped: keyEscaped, in: names)
            c.skipWS()
            guard c.peek == UInt8(ascii: ":") else { return false }
            c.pos += 1
            c.skipWS()
            if field >= 0 {
                guard captureValue(&c, field: field) else { return false }
            } else {
                guard c.skipValue(depth: 1) else { return false }
            }
            c.skipWS()
            let b = c.peek
            c.pos += 1
            if b == UInt8(ascii: ",") { continue }
            return b == UInt8(ascii: "}")
        }
    }

    private func captureValue(_ c: inout Cursor, field: Int) -> Bool {
        var slot = ValueSlot()
        let b = c.peek
        switch b {
        case UInt8(ascii: "\""):
            c.pos += 1
            slot.start = c.pos
            guard let esc = c.scanStringBody() else { return false }
            slot.kind = .string
            slot.end = c.pos - 1
            slot.escaped = esc
        case UInt8(ascii: "["):
            slot.kind = .array
            slot.start = c.pos
            if field == DossierField.danhSachLePhi.rawValue || field == DossierField.danhSachGiayToKetQua.rawValue {
                guard scanFlagArray(&c, wantsFee: field == DossierField.danhSachLePhi.rawValue, flag: &slot.flag) else { return false }
            } else {
                guard c.skipValue(depth: 1) else { return false }
            }
            slot.end = c.pos
        default:
            slot.start = c.pos
            guard let kind = c.skipScalarOrContainer(depth: 1) else { return false }
            slot.kind = kind
            slot.end = c.pos
        }
        slots[field] = slot
        return true
    }

    /// Elements of DanhSachLePhi (`Gia` > 0) or DanhSachGiayToKetQua (non-empty
    /// `DuongDanTepTinKetQua`); sets `flag` when some element qualifies.
    private func scanFlagArray(_ c: inout Cursor, wantsFee: Bool, flag: inout Bool) -> Bool {
        c.pos += 1   // '['
        c.skipWS()
        if c.peek == UInt8(ascii: "]") { c.pos += 1; return true }
        let wanted: StaticString = wantsFee ? "Gia" : "DuongDanTepTinKetQua"
        while true {
            c.skipWS()
            if c.peek == UInt8(ascii: "{") {
                c.pos += 1
                var qualifies = false
                c.skipWS()
                if c.peek == UInt8(ascii: "}") {
                    c.pos += 1
                } else {
                    while true {
                        c.skipWS()
                        guard c.peek == UInt8(ascii: "\"") else { return false }
                        c.pos += 1
                        let ks = c.pos
                        guard let kesc = c.scanStringBody() else { return false }
                        let isWanted = keys.equals(c.base, ks, c.pos - 1, escaped: kesc, wanted)
                        c.skipWS()
                        guard c.peek == UInt8(ascii: ":") else { return false }
                        c.pos += 1
                        c.skipWS()
                        if isWanted {
                            // The last occurrence of a repeated key counts.
                            if c.peek == UInt8(ascii: "\"") {
                                c.pos += 1
                                let vs = c.pos
                                guard let vesc = c.scanStringBody() else { return false }
                                let ve = c.pos - 1
                                qualifies = wantsFee ? numericStringIsPositive(c.base, vs, ve, vesc) : ve > vs
                            } else {
                                let vs = c.pos
                                guard let kind = c.skipScalarOrContainer(depth: 3) else { return false }
                                // A result path is "non-empty" unless null or "" (SPEC §2.2: those are absence).
                                qualifies = wantsFee ? kind == .number && numberIsPositive(c.base, vs, c.pos) : kind != .null
                            }
                        } else {
                            guard c.skipValue(depth: 3) else { return false }
                        }
                        c.skipWS()
                        let b = c.peek
                        c.pos += 1
                        if b == UInt8(ascii: ",") { continue }
                        guard b == UInt8(ascii: "}") else { return false }
                        break
                    }
                }
                if qualifies { flag = true }
            } else {
                guard c.skipValue(depth: 2) else { return false }
            }
            c.skipWS()
            let b = c.peek
            c.pos += 1
            if b == UInt8(ascii: ",") { continue }
            return b == UInt8(ascii: "]")
        }
    }
}

/// A read position over one line.
struct Cursor {
    let base: UnsafePointer<UInt8>
    let end: Int
    var pos = 0

    init(base: UnsafePointer<UInt8>, end: Int) {
        self.base = base
        self.end = end
    }

    /// The byte at `pos`, or 0 past the end (0 never starts valid JSON syntax here).
    @inline(__always) var peek: UInt8 { pos < end ? base[pos] : 0 }

    @inline(__always) mutating func skipWS() {
        while pos < end {
            let b = base[pos]
            if b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A { pos += 1 } else { return }
        }
    }

    /// After the opening quote: advances past the closing quote. Returns whether the body
    /// had escapes, or nil when the string is malformed.
    @inline(__always) mutating func scanStringBody() -> Bool? {
        var escaped = false
        while pos < end {
            // The plain run up to a quote, backslash or control byte, sixteen bytes at a time.
            pos += motcua_string_special(base + pos, end - pos)
            guard pos < end else { return nil }
            let b = base[pos]
            if b == UInt8(ascii: "\"") { pos += 1; return escaped }
            if b == UInt8(ascii: "\\") {
                escaped = true
                guard pos + 1 < end else { return nil }
                switch base[pos + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    pos += 2
                case UInt8(ascii: "u"):
                    guard pos + 5 < end, isHex(base[pos + 2]), isHex(base[pos + 3]),
                          isHex(base[pos + 4]), isHex(base[pos + 5]) else { return nil }
                    pos += 6
                default:
                    return nil
                }
                continue
            }
            if b < 0x20 { return nil }
            pos += 1
        }
        return nil
    }

    /// Skips any value (validating it). `depth` is the nesting level of the value's container.
    mutating func skipValue(depth: Int) -> Bool {
        skipScalarOrContainer(depth: depth) != nil
    }

    mutating func skipScalarOrContainer(depth: Int) -> JSONKind? {
        guard pos < end else { return nil }
        let b = base[pos]
        switch b {
        case UInt8(ascii: "\""):
            pos += 1
            return scanStringBody() != nil ? .string : nil
        case UInt8(ascii: "{"):
            guard depth < JSONRecordScanner.maxDepth else { return nil }
            pos += 1
            skipWS()
            if peek == UInt8(ascii: "}") { pos += 1; return .object }
            while true {
                skipWS()
                guard peek == UInt8(ascii: "\"") else { return nil }
                pos += 1
                guard scanStringBody() != nil else { return nil }
                skipWS()
                guard peek == UInt8(ascii: ":") else { return nil }
                pos += 1
                skipWS()
                guard skipValue(depth: depth + 1) else { return nil }
                skipWS()
                let c = peek
                pos += 1
                if c == UInt8(ascii: ",") { continue }
                return c == UInt8(ascii: "}") ? .object : nil
            }
        case UInt8(ascii: "["):
            guard depth < JSONRecordScanner.maxDepth else { return nil }
            pos += 1
            skipWS()
            if peek == UInt8(ascii: "]") { pos += 1; return .array }
            while true {
                skipWS()
                guard skipValue(depth: depth + 1) else { return nil }
                skipWS()
                let c = peek
                pos += 1
                if c == UInt8(ascii: ",") { continue }
                return c == UInt8(ascii: "]") ? .array : nil
            }
        case UInt8(ascii: "t"):
            return literal("true") ? .trueValue : nil
        case UInt8(ascii: "f"):
            return literal("false") ? .falseValue : nil
        case UInt8(ascii: "n"):
            return literal("null") ? .null : nil
        default:
            return skipNumber() ? .number : nil
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard pos + n <= end, memcmp(base + pos, word.utf8Start, n) == 0 else { return false }
        pos += n
        return true
    }

    /// RFC 8259 number grammar.
    private mutating func skipNumber() -> Bool {
        if peek == UInt8(ascii: "-") { pos += 1 }
        let d = peek
        if d == UInt8(ascii: "0") {
            pos += 1
        } else if d >= UInt8(ascii: "1") && d <= UInt8(ascii: "9") {
            while isDigit(peek) { pos += 1 }
        } else {
            return false
        }
        if peek == UInt8(ascii: ".") {
            pos += 1
            guard isDigit(peek) else { return false }
            while isDigit(peek) { pos += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            pos += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { pos += 1 }
            guard isDigit(peek) else { return false }
            while isDigit(peek) { pos += 1 }
        }
        return true
    }
}

@inline(__always) package func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

@inline(__always) func isHex(_ b: UInt8) -> Bool {
    isDigit(b) || (b | 0x20) &- UInt8(ascii: "a") < 6
}

/// A valid JSON number is > 0 when it has no minus sign and a non-zero mantissa digit.
func numberIsPositive(_ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
    if base[s] == UInt8(ascii: "-") { return false }
    var i = s
    while i < e {
        let b = base[i]
        if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { break }
        if b >= UInt8(ascii: "1") && b <= UInt8(ascii: "9") { return true }
        i += 1
    }
    return false
}

/// `Gia` as a string (SPEC §2.2): after trimming, an optional sign, digits and optional
/// `.digits`; positive when not negative and some digit is non-zero.
func numericStringIsPositive(_ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int, _ escaped: Bool) -> Bool {
    if escaped {
        var tmp = [UInt8](repeating: 0, count: e - s)
        let n = tmp.withUnsafeMutableBufferPointer { unescapeJSONString(base + s, e - s, into: $0.baseAddress!) }
        return tmp.withUnsafeBufferPointer { numericStringIsPositive($0.baseAddress!, 0, n, false) }
    }
    var i = s, j = e
    while i < j && isTrimmable(base[i]) { i += 1 }
    while j > i && isTrimmable(base[j - 1]) { j -= 1 }
    var negative = false
    if i < j && (base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-")) {
        negative = base[i] == UInt8(ascii: "-")
        i += 1
    }
    var digits = 0, nonZero = false
    while i < j && isDigit(base[i]) { nonZero = nonZero || base[i] != UInt8(ascii: "0"); digits += 1; i += 1 }
    guard digits > 0 else { return false }
    if i < j && base[i] == UInt8(ascii: ".") {
        i += 1
        var frac = 0
        while i < j && isDigit(base[i]) { nonZero = nonZero || base[i] != UInt8(ascii: "0"); frac += 1; i += 1 }
        guard frac > 0 else { return false }
    }
    return i == j && !negative && nonZero
}

/// Space, tab, CR, LF (SPEC §3.5 trimming).
@inline(__always) package func isTrimmable(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A
}

/// Finds which §2.2 field a key names by comparing whole 8-byte words: every name is at most
/// 24 bytes, so its first, second and last words (zero-padded below 8 bytes) identify it.
final class FieldNameMatcher {
    private struct Name { var first: UInt64 = 0, second: UInt64 = 0, last: UInt64 = 0, field = -1 }
    private static let maxLength = 24, perLength = 2
    /// `perLength` names per length (field -1 where there are fewer).
    private let names: UnsafeMutablePointer<Name>

    init() {
        let slots = (FieldNameMatcher.maxLength + 1) * FieldNameMatcher.perLength
        names = .allocate(capacity: slots)
        names.initialize(repeating: Name(), count: slots)
        for (i, bytes) in DossierField.nameBytes.enumerated() {
            var at = bytes.count * FieldNameMatcher.perLength
            while names[at].field >= 0 { at += 1 }
            precondition(at < (bytes.count + 1) * FieldNameMatcher.perLength, "more field names of one length than slots")
            let w = bytes.withUnsafeBufferPointer { FieldNameMatcher.words($0.baseAddress!, bytes.count) }
            names[at] = Name(first: w.0, second: w.1, last: w.2, field: i)
        }
    }
    deinit { names.deallocate() }

    /// The field index, or -1 for any other key.
    @inline(__always)
    func field(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        guard n <= FieldNameMatcher.maxLength else { return -1 }
        let candidates = names + n * FieldNameMatcher.perLength
        if candidates[0].field < 0 { return -1 }
        let w = FieldNameMatcher.words(p, n)
        for k in 0..<FieldNameMatcher.perLength {
            let c = candidates[k]
            if c.field >= 0 && c.first == w.0 && c.second == w.1 && c.last == w.2 { return c.field }
        }
        return -1
    }

    /// Bytes 0..<8, 8..<16 and the last eight of `p[0..<n]` (n ≤ 24), zero where absent.
    @inline(__always)
    static func words(_ p: UnsafePointer<UInt8>, _ n: Int) -> (UInt64, UInt64, UInt64) {
        let raw = UnsafeRawPointer(p)
        if n >= 8 {
            let second = n > 16 ? raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) : 0
            return (raw.loadUnaligned(as: UInt64.self), second, raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
        }
        var first: UInt64 = 0
        for i in 0..<n { first |= UInt64(p[i]) << (8 * UInt64(i)) }
        return (first, 0, 0)
    }
}
