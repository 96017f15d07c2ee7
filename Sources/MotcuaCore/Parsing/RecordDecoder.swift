// Turns one NDJSON line into a checked dossier record or the reject reason of SPEC §3.3,
// in the order the SPEC gives. Text values stay byte ranges (into the line, or into a
// per-worker scratch when they had escapes); nothing is allocated per record.
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
}

/// A byte range of a kept text value.
public struct ByteText {
    public var base: UnsafePointer<UInt8>?
    public var count: Int
    public static let none = ByteText(base: nil, count: 0)
    public var isEmpty: Bool { count == 0 }
    public var string: String {
        guard let b = base else { return "" }
        return String(decoding: UnsafeBufferPointer(start: b, count: count), as: UTF8.self)
    }
}

/// Days since 1970-01-01; `noDay` when absent.
public let noDay = Int32.min

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
}

public final class RecordDecoder {
    public let dates: DateTimeParser
    public let maxLineBytes: Int
    private let scanner = JSONRecordScanner()
    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchCapacity: Int
    private var scratchUsed = 0
    private var line: UnsafePointer<UInt8>! = nil
    /// Set while decoding a CSV record: code fields also take labels, flags are booleans.
    private var csvMode = false
    private var labels = LabelCache()

    public init(dates: DateTimeParser, maxLineBytes: Int) {
        self.dates = dates
        self.maxLineBytes = maxLineBytes
        scratchCapacity = 4096
        scratch = .allocate(capacity: scratchCapacity)
    }
    deinit { scratch.deallocate() }

    /// Decodes one line (terminator removed, not blank) into `out`; returns the reject reason.
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout DecodedRecord) -> RejectReason? {
        let n = bytes.count
        if n > maxLineBytes { return .lineTooLong }
        guard let base = bytes.baseAddress, isValidUTF8(base, n) else { return .invalidUTF8 }
        guard scanner.scan(bytes) else { return .malformedJSON }
        ensureScratch(n)
        scratchUsed = 0
        line = base
        csvMode = false
        return check(&out)
    }

    /// Decodes one CSV record starting at base[from] (its end is found here); `record` tells
    /// the caller where the next one starts and how many lines it spanned. Nil reason and
    /// `record.byteCount == 0` is a blank line.
    func decodeCSV(_ base: UnsafePointer<UInt8>, from: Int, to: Int, layout: CSVLayout,
                          splitter: inout CSVRecordSplitter, record: inout CSVRecord,
                          into out: inout DecodedRecord) -> RejectReason? {
        ensureScratch(to - from)
        record = splitter.split(base, from: from, to: to, into: scratch)
        if record.byteCount == 0 { return nil }
        if record.byteCount > maxLineBytes { return .lineTooLong }
        guard isValidUTF8(base + from, record.byteCount) else { return .invalidUTF8 }
        if layout.malformed || record.malformed || record.cellCount != layout.columnCount { return .malformedCSV }
        for f in 0..<DossierField.count {
            let c = layout.column[f]
            var slot = ValueSlot()
            if c >= 0 && splitter.ends[c] > splitter.starts[c] {
                slot.kind = .string
                slot.start = splitter.starts[c]
                slot.end = splitter.ends[c]
            }
            scanner.slots[f] = slot
        }
        line = UnsafePointer(scratch)
        scratchUsed = to - from
        csvMode = true
        return check(&out)
    }

    /// Where the last CSV record's cells are (valid until the next decode).
    var cellBuffer: UnsafePointer<UInt8> { UnsafePointer(scratch) }

    private func ensureScratch(_ n: Int) {
        if n > scratchCapacity {
            scratch.deallocate()
            scratchCapacity = max(n, scratchCapacity * 2)
            scratch = .allocate(capacity: scratchCapacity)
        }
    }

    private func slot(_ f: DossierField) -> ValueSlot { scanner.slots[f.rawValue] }

    /// Absent, null and "" are the same (SPEC §2.2).
    private func present(_ f: DossierField) -> Bool {
        let s = slot(f)
        switch s.kind {
        case .absent, .null: return false
        case .string: return s.end > s.start
        default: return true
        }
    }

    /// The unescaped bytes of a string slot.
    private func text(_ s: ValueSlot) -> ByteText {
        guard s.kind == .string, s.end > s.start else { return .none }
        if !s.escaped { return ByteText(base: line + s.start, count: s.end - s.start) }
        let dst = scratch + scratchUsed
        let n = unescapeJSONString(line + s.start, s.end - s.start, into: dst)
        scratchUsed += n
        return ByteText(base: UnsafePointer(dst), count: n)
    }

    private func check(_ r: inout DecodedRecord) -> RejectReason? {
        r = DecodedRecord()
        // Step 4: required fields.
        guard present(.maHoSo) else { return .missing(.maHoSo) }
        let idSlot = slot(.maHoSo)
        if idSlot.kind == .string { r.id = text(idSlot) }
        if present(.maDonVi) {
            r.unit = text(slot(.maDonVi))
        } else {
            r.unit = unitFromDossierId(r.id)
            if r.unit.isEmpty { return .missing(.maDonVi) }
        }
        guard present(.trangThaiHoSo) else { return .missing(.trangThaiHoSo) }
        let status = parseStatus(slot(.trangThaiHoSo))
        let notReceived = status == 1 || status == 3
        if !notReceived && !present(.ngayTiepNhan) { return .missing(.ngayTiepNhan) }
        if status >= 7 && !present(.ngayKetThucXuLy) { return .missing(.ngayKetThucXuLy) }

        // Step 5: values, TrangThaiHoSo first, then table order.
        guard status > 0 else { return .invalid(.trangThaiHoSo) }
        r.status = status
        if idSlot.kind != .string { return .invalid(.maHoSo) }
        if present(.maDonVi) && slot(.maDonVi).kind != .string { return .invalid(.maDonVi) }
        if present(.maTTHC) {
            let s = slot(.maTTHC)
            guard s.kind == .string else { return .invalid(.maTTHC) }
            r.procedure = stripProcedureSuffix(text(s))
        }
        if present(.maLinhVuc) {
            let s = slot(.maLinhVuc)
            guard s.kind == .string else { return .invalid(.maLinhVuc) }
            r.sector = text(s)
        }
        if present(.kenhThucHien) {
            guard let v = code(.kenhThucHien), v >= 1 && v <= 3 else { return .invalid(.kenhThucHien) }
            r.channel = UInt8(v)
        }
        if present(.mucDo) {
            guard let v = code(.mucDo), v >= 2 && v <= 4 else { return .invalid(.mucDo) }
            r.serviceLevel = UInt8(v)
        }
        guard let received = date(.ngayTiepNhan) else { return .invalid(.ngayTiepNhan) }
        guard let due = date(.ngayHenTra) else { return .invalid(.ngayHenTra) }
        guard let ended = date(.ngayKetThucXuLy) else { return .invalid(.ngayKetThucXuLy) }
        guard let returned = date(.ngayTra) else { return .invalid(.ngayTra) }
        (r.received, r.due, r.ended, r.returned) = (received, due, ended, returned)
        if present(.hinhThuc) {
            guard let v = code(.hinhThuc), v <= 1 else { return .invalid(.hinhThuc) }
            r.returnChannel = UInt8(v)
        }
        if present(.duocThanhToanTrucTuyen) {
            guard let v = code(.duocThanhToanTrucTuyen), v <= 3 else { return .invalid(.duocThanhToanTrucTuyen) }
            r.paidOnline = UInt8(v)
        }
        if present(.hoSoCoThanhPhanSoHoa) {
            guard let v = code(.hoSoCoThanhPhanSoHoa), v <= 1 else { return .invalid(.hoSoCoThanhPhanSoHoa) }
            r.digitized = v == 1
        }
        if csvMode {
            if present(.danhSachLePhi) {
                guard let v = code(.danhSachLePhi) else { return .invalid(.danhSachLePhi) }
                r.feeBearing = v == 1
            }
            if present(.danhSachGiayToKetQua) {
                guard let v = code(.danhSachGiayToKetQua) else { return .invalid(.danhSachGiayToKetQua) }
                r.eResult = v == 1
            }
        } else {
            let fee = slot(.danhSachLePhi), results = slot(.danhSachGiayToKetQua)
            r.feeBearing = fee.kind == .array && fee.flag
            r.eResult = results.kind == .array && results.flag
        }

        // Step 6.
        if r.ended != noDay && r.received != noDay && r.ended < r.received { return .endedBeforeReceived }
        return nil
    }

    /// A date field's local day, `noDay` when absent, nil when invalid.
    private func date(_ f: DossierField) -> Int32? {
        guard present(f) else { return noDay }
        let s = slot(f)
        guard s.kind == .string else { return nil }
        let t = text(s)
        return dates.localDay(t.base!, t.count)
    }

    /// A code field: a JSON integer or a string of ASCII digits; nil otherwise. In CSV, a cell
    /// of digits or one of the field's labels; flags are booleans (SPEC §2.3).
    private func code(_ f: DossierField) -> Int? {
        let s = slot(f)
        if csvMode {
            guard s.kind == .string else { return nil }
            let t = text(s)
            switch f {
            case .hoSoCoThanhPhanSoHoa, .danhSachLePhi, .danhSachGiayToKetQua:
                return labels.value(t, kind: .boolean)
            case .kenhThucHien:
                return digitsValue(t.base!, t.count) ?? labels.value(t, kind: .channel)
            case .hinhThuc:
                return digitsValue(t.base!, t.count) ?? labels.value(t, kind: .returnChannel)
            default:
                return digitsValue(t.base!, t.count)
            }
        }
        switch s.kind {
        case .number:
            return jsonIntegerValue(line + s.start, s.end - s.start)
        case .string:
            let t = text(s)
            return digitsValue(t.base!, t.count)
        default:
            return nil
        }
    }

    /// Status 1–10 from digits or the portal's English codes; 0 when unparsable.
    private func parseStatus(_ s: ValueSlot) -> UInt8 {
        var v: Int?
        if s.kind == .number {
            v = jsonIntegerValue(line + s.start, s.end - s.start)
        } else if s.kind == .string {
            let t = text(s)
            v = digitsValue(t.base!, t.count) ?? (csvMode ? labels.value(t, kind: .status) : englishStatus(t))
        }
        guard let x = v, x >= 1 && x <= 10 else { return 0 }
        return UInt8(x)
    }
}

/// Labels seen before, by their raw bytes, so a label costs a String only the first time.
struct LabelCache {
    enum Kind: Int { case channel, status, returnChannel, boolean }
    private var tables = [ByteKeyTable](repeating: ByteKeyTable(capacity: 16), count: 4)
    private var values = [[Int]](repeating: [], count: 4)

    mutating func value(_ t: ByteText, kind: Kind) -> Int? {
        guard let p = t.base else { return nil }
        let (idx, inserted) = tables[kind.rawValue].findOrInsert(p, t.count)
        if inserted {
            let label = normalizeLabel(t.string)
            let table: [String: Int]
            switch kind {
            case .channel: table = CSVLabels.channel
            case .status: table = CSVLabels.status
            case .returnChannel: table = CSVLabels.returnChannel
            case .boolean: table = CSVLabels.boolean
            }
            values[kind.rawValue].append(table[label] ?? -1)
        }
        let v = values[kind.rawValue][idx]
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

private let englishStatuses: [(String, Int)] = [
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
func unitFromDossierId(_ id: ByteText) -> ByteText {
    guard let p = id.base, let dash = memchr(p, Int32(UInt8(ascii: "-")), id.count) else { return .none }
    let n = p.distance(to: dash.assumingMemoryBound(to: UInt8.self))
    return isAgencyCode(p, n) ? ByteText(base: p, count: n) : .none
}

/// Strips a local suffix `.ddd.dd.dd.Xdd` from a procedure code; empty means absent.
func stripProcedureSuffix(_ t: ByteText) -> ByteText {
    guard let p = t.base, t.count >= 14, p[t.count - 14] == UInt8(ascii: "."),
          isAgencyCode(p + t.count - 13, 13) else { return t }
    return ByteText(base: p, count: t.count - 14)
}
