// The record checks of SPEC §3.3 (steps 4–6), in the order the SPEC gives, written once for
// every input format: a format says where a field's value is and how its codes read
// (`DossierFieldValues`); what is required, valid and kept is decided here. Text values stay
// byte ranges (into the record, or into a decoder's scratch when they were unescaped);
// nothing is allocated per record.
import MotcuaFoundation
import Foundation

public enum RejectReason: Hashable, Sendable {
    case lineTooLong, invalidUTF8, malformedJSON, malformedCSV
    case missing(DossierField)
    case invalid(DossierField)
    case endedBeforeReceived

    public var text: String {
        switch self {
        case .lineTooLong: return "line_too_long"
        case .invalidUTF8: return "invalid_utf8"
        case .malformedJSON: return "malformed_json"
        case .malformedCSV: return "malformed_csv"
        case .missing(let f): return "missing_field:\(f.name)"
        case .invalid(let f): return "invalid_value:\(f.name)"
        case .endedBeforeReceived: return "ended_before_received"
        }
    }

    /// A reason of the field checks (SPEC §3.3 steps 4–6, `checkRecord`): the record was read
    /// far enough that its MaHoSo and MaDonVi, when they are text, are in the decoded record.
    public var isFieldCheck: Bool {
        switch self {
        case .missing, .invalid, .endedBeforeReceived: return true
        case .lineTooLong, .invalidUTF8, .malformedJSON, .malformedCSV: return false
        }
    }
}

/// A byte range of a kept text value.
public struct ByteText {
    public var base: UnsafePointer<UInt8>?
    public var count: Int
    package init(base: UnsafePointer<UInt8>?, count: Int) {
        self.base = base
        self.count = count
    }
    // Unsafe but sound: immutable, and its nil base points at no memory to share.
    nonisolated(unsafe) public static let none = ByteText(base: nil, count: 0)
    public var isEmpty: Bool { count == 0 }
    public var string: String {
        guard let b = base else { return "" }
        return String(decoding: UnsafeBufferPointer(start: b, count: count), as: UTF8.self)
    }
}

/// One record in canonical fields (SPEC §2.2), after the §3.3 checks.
public struct DecodedRecord {
    public var id = ByteText.none
    public var unit = ByteText.none
    public var procedure = ByteText.none
    public var sector = ByteText.none
    public var status: UInt8 = 0
    public var channel: UInt8 = 1
    public var serviceLevel: UInt8 = 0
    public var received = noDay
    public var due = noDay
    public var ended = noDay
    public var returned = noDay
    public var returnChannel: UInt8 = 0
    public var paidOnline: UInt8 = 0
    public var digitized = false
    public var feeBearing = false
    public var eResult = false
    public init() {}
}

/// How one format's record holds the §2.2 fields. "Present" follows SPEC §2.2: absent, null
/// and "" are the same.
package protocol DossierFieldValues {
    func isPresent(_ f: DossierField) -> Bool
    /// A present value that is text (JSON: a string; CSV: every cell).
    func isText(_ f: DossierField) -> Bool
    /// The (unescaped) text of a present text value.
    mutating func text(_ f: DossierField) -> ByteText
    /// A present code field's value, nil when it is not a valid code in this format.
    mutating func code(_ f: DossierField) -> Int?
    /// TrangThaiHoSo as a number (digits, or the format's words for it), nil when unreadable.
    mutating func status() -> Int?
    /// DanhSachLePhi / DanhSachGiayToKetQua as a flag; nil when the value is invalid.
    mutating func listFlag(_ f: DossierField) -> Bool?
    /// The decoder's memo of date parts (`DaySlot.makeMemo()`), through which dates are read.
    var days: UnsafeMutablePointer<DaySlot> { get }
}

/// Steps 4–6 of SPEC §3.3 over one record's fields; nil when the record is kept.
@inline(__always)
package func checkRecord<V: DossierFieldValues>(_ v: inout V, dates: DateTimeParser, into r: inout DecodedRecord) -> RejectReason? {
    r = DecodedRecord()
    // Step 4: required fields.
    guard v.isPresent(.maHoSo) else { return .missing(.maHoSo) }
    let idIsText = v.isText(.maHoSo)
    if idIsText { r.id = v.text(.maHoSo) }
    let unitPresent = v.isPresent(.maDonVi)
    if unitPresent {
        if v.isText(.maDonVi) { r.unit = v.text(.maDonVi) }
    } else {
        r.unit = unitFromDossierId(r.id)
        if r.unit.isEmpty { return .missing(.maDonVi) }
    }
    guard v.isPresent(.trangThaiHoSo) else { return .missing(.trangThaiHoSo) }
    let parsed = v.status()
    let status: UInt8 = parsed.map { $0 >= 1 && $0 <= 10 ? UInt8($0) : 0 } ?? 0
    let notReceived = status == 1 || status == 3
    if !notReceived && !v.isPresent(.ngayTiepNhan) { return .missing(.ngayTiepNhan) }
    if status >= 7 && !v.isPresent(.ngayKetThucXuLy) { return .missing(.ngayKetThucXuLy) }

    // Step 5: values, TrangThaiHoSo first, then table order.
    guard status > 0 else { return .invalid(.trangThaiHoSo) }
    r.status = status
    if !idIsText { return .invalid(.maHoSo) }
    if unitPresent && !v.isText(.maDonVi) { return .invalid(.maDonVi) }
    if v.isPresent(.maTTHC) {
        guard v.isText(.maTTHC) else { return .invalid(.maTTHC) }
        r.procedure = stripProcedureSuffix(v.text(.maTTHC))
    }
    if v.isPresent(.maLinhVuc) {
        guard v.isText(.maLinhVuc) else { return .invalid(.maLinhVuc) }
        r.sector = v.text(.maLinhVuc)
    }
    if v.isPresent(.kenhThucHien) {
        guard let c = v.code(.kenhThucHien), c >= 1 && c <= 3 else { return .invalid(.kenhThucHien) }
        r.channel = UInt8(c)
    }
    if v.isPresent(.mucDo) {
        guard let c = v.code(.mucDo), c >= 2 && c <= 4 else { return .invalid(.mucDo) }
        r.serviceLevel = UInt8(c)
    }
    guard let received = date(&v, .ngayTiepNhan, dates) else { return .invalid(.ngayTiepNhan) }
    guard let due = date(&v, .ngayHenTra, dates) else { return .invalid(.ngayHenTra) }
    guard let ended = date(&v, .ngayKetThucXuLy, dates) else { return .invalid(.ngayKetThucXuLy) }
    guard let returned = date(&v, .ngayTra, dates) else { return .invalid(.ngayTra) }
    (r.received, r.due, r.ended, r.returned) = (received, due, ended, returned)
    if v.isPresent(.hinhThuc) {
        guard let c = v.code(.hinhThuc), c <= 1 else { return .invalid(.hinhThuc) }
        r.returnChannel = UInt8(c)
    }
    if v.isPresent(.duocThanhToanTrucTuyen) {
        guard let c = v.code(.duocThanhToanTrucTuyen), c <= 3 else { return .invalid(.duocThanhToanTrucTuyen) }
        r.paidOnline = UInt8(c)
    }
    if v.isPresent(.hoSoCoThanhPhanSoHoa) {
        guard let c = v.code(.hoSoCoThanhPhanSoHoa), c <= 1 else { return .invalid(.hoSoCoThanhPhanSoHoa) }
        r.digitized = c == 1
    }
    guard let fee = v.listFlag(.danhSachLePhi) else { return .invalid(.danhSachLePhi) }
    r.feeBearing = fee
    guard let eResult = v.listFlag(.danhSachGiayToKetQua) else { return .invalid(.danhSachGiayToKetQua) }
    r.eResult = eResult

    // Step 6.
    if r.ended != noDay && r.received != noDay && r.ended < r.received { return .endedBeforeReceived }
    return nil
}

/// A date field's local day, `noDay` when absent, nil when invalid.
@inline(__always)
private func date<V: DossierFieldValues>(_ v: inout V, _ f: DossierField, _ dates: DateTimeParser) -> Int32? {
    guard v.isPresent(f) else { return noDay }
    guard v.isText(f) else { return nil }
    let t = v.text(f)
    return dates.localDay(t.base!, t.count, memo: v.days)
}

/// Labels seen before, by their raw bytes, so a label costs a String only the first time.
/// The first `inlineLabels` short spellings (≤ ShortKey.limit bytes) of each kind are also
/// held as words and compared in registers, before any hashing: a column holds few spellings.
/// A class: the decoder and its per-record field view share one cache.
final class LabelCache {
    private let labels: LabelTables
    static let inlineLabels = 8
    // Exclusivity unchecked at run time (the hot path): one thread owns this object at a time.
    @exclusivity(unchecked) private var tables = [ByteKeyTable](repeating: ByteKeyTable(capacity: 16), count: LabelKind.allCases.count)
    @exclusivity(unchecked) private var values = [[Int]](repeating: [], count: LabelKind.allCases.count)
    /// Per kind, `inlineLabels` entries from kind.slot * inlineLabels: key words and code (-1: none).
    private let inlineKeys: UnsafeMutablePointer<ShortKey>
    private let inlineValues: UnsafeMutablePointer<Int>
    private let inlineCounts: UnsafeMutablePointer<Int>

    init(_ labels: LabelTables) {
        self.labels = labels
        let n = LabelKind.allCases.count
        inlineKeys = .allocate(capacity: n * Self.inlineLabels)
        inlineKeys.initialize(repeating: ShortKey(), count: n * Self.inlineLabels)
        inlineValues = .allocate(capacity: n * Self.inlineLabels)
        inlineValues.initialize(repeating: -1, count: n * Self.inlineLabels)
        inlineCounts = .allocate(capacity: n)
        inlineCounts.initialize(repeating: 0, count: n)
    }
    deinit {
        inlineKeys.deallocate()
        inlineValues.deallocate()
        inlineCounts.deallocate()
    }

    @inline(__always)
    func value(_ t: ByteText, kind: LabelKind) -> Int? {
        guard let p = t.base else { return nil }
        guard t.count <= ShortKey.limit else { return tableValue(p, t.count, kind: kind) }
        let key = ShortKey(p, t.count)
        let first = kind.slot * Self.inlineLabels, n = inlineCounts[kind.slot]
        for k in first..<(first + n) where inlineKeys[k] == key {
            let v = inlineValues[k]
            return v < 0 ? nil : v
        }
        let v = tableValue(p, t.count, kind: kind)
        if n < Self.inlineLabels {
            inlineKeys[first + n] = key
            inlineValues[first + n] = v ?? -1
            inlineCounts[kind.slot] = n + 1
        }
        return v
    }

    /// The general lookup (every label, any length): the tables, a label normalized once.
    func tableValue(_ p: UnsafePointer<UInt8>, _ n: Int, kind: LabelKind) -> Int? {
        let (idx, inserted) = tables[kind.slot].findOrInsert(p, n)
        if inserted {
            let t = ByteText(base: p, count: n)
            values[kind.slot].append(labels.code(normalized: normalizeLabel(t.string), kind) ?? -1)
        }
        let v = values[kind.slot][idx]
        return v < 0 ? nil : v
    }
}

/// A JSON integer (no fraction or exponent); negative values are out of every code list, but
/// `-0` is the integer 0.
func jsonIntegerValue(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
    guard n > 0 else { return nil }
    if p[0] == UInt8(ascii: "-") {
        guard let v = digitsValue(p + 1, n - 1) else { return nil }
        return v == 0 ? 0 : nil
    }
    return digitsValue(p, n)
}

/// Non-empty ASCII digits, saturating (a huge number is simply out of every code list).
func digitsValue(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
    guard n > 0 else { return nil }
    var v = 0
    for i in 0..<n {
        let b = p[i]
        guard isDigit(b) else { return nil }
        v = v > 1_000_000 ? v : v * 10 + Int(b &- 0x30)
    }
    return v
}

/// The portal's English status codes (SPEC §2.2); CSV takes them as labels too (§2.3).
let englishStatuses: [(String, Int)] = [
    ("receiving", 1), ("new", 2), ("denied", 3), ("processing", 4), ("waiting", 5),
    ("paying", 6), ("cancelled", 7), ("unresolved", 8), ("releasing", 9), ("done", 10),
]

/// The portal's English status codes, ASCII case-insensitive, not trimmed (SPEC §2.2, §3.5).
func englishStatus(_ t: ByteText) -> Int? {
    guard let p = t.base, t.count <= 10 else { return nil }
    outer: for (word, value) in englishStatuses where word.utf8.count == t.count {
        for (i, c) in word.utf8.enumerated() {
            var b = p[i]
            if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") { b |= 0x20 }
            if b != c { continue outer }
        }
        return value
    }
    return nil
}

/// `^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$` on exactly 13 bytes.
func isAgencyCode(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    guard n == 13 else { return false }
    for (i, b) in zip(0..<13, UnsafeBufferPointer(start: p, count: 13)) {
        switch i {
        case 3, 6, 9: if b != UInt8(ascii: ".") { return false }
        case 10: if b < UInt8(ascii: "A") || b > UInt8(ascii: "Z") { return false }
        default: if !isDigit(b) { return false }
        }
    }
    return true
}

/// The unit from a dossier id's prefix before its first `-` (SPEC §2.2).
package func unitFromDossierId(_ id: ByteText) -> ByteText {
    guard let p = id.base, let dash = memchr(p, Int32(UInt8(ascii: "-")), id.count) else { return .none }
    let n = p.distance(to: dash.assumingMemoryBound(to: UInt8.self))
    return isAgencyCode(p, n) ? ByteText(base: p, count: n) : .none
}

/// Strips a local suffix `.ddd.dd.dd.Xdd` from a procedure code; empty means absent.
package func stripProcedureSuffix(_ t: ByteText) -> ByteText {
    guard let p = t.base, t.count >= 14, p[t.count - 14] == UInt8(ascii: "."),
          isAgencyCode(p + t.count - 13, 13) else { return t }
    return ByteText(base: p, count: t.count - 14)
}
