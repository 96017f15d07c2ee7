// The roll-up's sums over every kept dossier, kept in the state between runs (issue 13): a
// night that changed a few dossiers takes their previous versions out of the sums and puts
// their new ones in, instead of going over every dossier again. Everything here is additive
// (counters, dossiers per group and unit, dossiers per unit, period, kind and procedure), so
// taking a version out is adding it with sign -1, and the result is the full roll-up's.
//
// Figures are keyed by unit and procedure codes and sector names, not by a run's ids, and
// kept per period: a period's sums depend on its own dates only, so a run whose last period
// moved (`--as-of yesterday`, night after night) takes the others from the memo and sums only
// the moved one over the dossiers. The key is what else shaped them — rules, breakdown, both
// catalogs — compared byte for byte: any difference, and the run rolls up in full.
import MotcuaFoundation
import MotcuaReading

public struct RollupMemo {
    /// Layout of `encoded()`; bumped when it or what the sums mean changes.
    static let version: UInt32 = 2
    /// The most bytes of counts a memo may take (beyond it, every night rolls up in full: day
    /// periods over years with a big catalog): 32 B a dossier, within SPEC §8's 200, at least
    /// 4 MiB and at most 64 MiB.
    static func budget(dossiers: Int) -> Int { min(64 << 20, max(4 << 20, 32 * dossiers)) }

    let key: [UInt8]
    /// The periods the sums are for (each row of `counters` and `activity` is one of them).
    let periods: [Period]
    var periodCount: Int { periods.count }
    /// Units with dossiers (model codes), and their dossiers (in scope or not).
    var unitCodes: [String]
    var unitDossiers: [Int32]
    /// The activity's procedure columns: the dossiers' procedure codes in the run's id order.
    var procedureCodes: [String]
    /// Counter groups: a unit (index in `unitCodes`), a sector name ("" without a breakdown)
    /// and its in-scope dossiers; `counters` holds each group's finished counters end to end.
    var groups: [(unit: Int32, sector: String, dossiers: Int32)]
    var counters: [Int32]
    /// Dossiers per (unit, period, kind, procedure): `((unit * periods + k) * 3 + kind) * procedures + p`.
    var activity: [Int32]
    var tally: DossierTally

    var width: Int { (periodCount + 1) * BaseCounter.count }

    /// What a roll-up's sums depend on besides the dossiers and the periods.
    static func key(rules: RuleSet, groupBySector: Bool, catalogs: Catalogs) -> [UInt8] {
        var w = MemoWriter()
        w.u32(version)
        w.text(rules.rawValue)
        w.u8(groupBySector ? 1 : 0)
        w.u32(UInt32(catalogs.units.count))
        for u in catalogs.units { for t in [u.code, u.name, u.tier, u.parent] { w.text(t) } }
        w.u8(catalogs.hasProcedureCatalog ? 1 : 0)
        w.u32(UInt32(catalogs.procedures.count))
        for r in catalogs.procedures {
            for t in [r.procedure, r.name, r.sector, r.sectorName, r.tier.rawValue, r.unit ?? ""] { w.text(t) }
            w.u8(r.unit == nil ? 0 : 1)
            w.i32(Int32(truncatingIfNeeded: r.level))
        }
        return w.bytes
    }

    /// The memo as bytes (the state keeps them in a checksummed file).
    public func encoded() -> [UInt8] {
        var w = MemoWriter()
        w.data(key)
        w.u32(UInt32(periods.count))
        for p in periods {
            w.text(p.label)
            w.i32(p.from)
            w.i32(p.to)
            w.u8(p.partial ? 1 : 0)
        }
        w.u64(UInt64(tally.dossiers))
        w.u64(UInt64(tally.inScope))
        w.u64(UInt64(tally.notReceived))
        w.u32(UInt32(unitCodes.count))
        for (code, n) in zip(unitCodes, unitDossiers) { w.text(code); w.i32(n) }
        w.u32(UInt32(procedureCodes.count))
        for code in procedureCodes { w.text(code) }
        w.u32(UInt32(groups.count))
        for g in groups { w.i32(g.unit); w.text(g.sector); w.i32(g.dossiers) }
        w.sparse(counters)
        w.sparse(activity)
        return w.bytes
    }

    /// Reads `encoded()`'s bytes back; nil when they do not hold a whole, consistent memo.
    public init?(decoding bytes: [UInt8], from start: Int = 0) {
        var r = MemoReader(bytes: bytes, at: start)
        guard let key = r.data(), let periodCount = r.count(min: 13) else { return nil }
        var periods: [Period] = []
        for _ in 0..<periodCount {
            guard let label = r.text(), let from = r.i32(), let to = r.i32(), let partial = r.u8() else { return nil }
            periods.append(Period(label: label, from: from, to: to, partial: partial != 0))
        }
        guard let dossiers = r.u64().flatMap({ Int(exactly: $0) }), let inScope = r.u64().flatMap({ Int(exactly: $0) }),
              let notReceived = r.u64().flatMap({ Int(exactly: $0) }), let unitCount = r.count(min: 8) else { return nil }
        self.key = key
        self.periods = periods
        tally = DossierTally(dossiers: dossiers, inScope: inScope, notReceived: notReceived)
        (unitCodes, unitDossiers) = ([], [])
        for _ in 0..<unitCount {
            guard let code = r.text(), let n = r.i32() else { return nil }
            unitCodes.append(code)
            unitDossiers.append(n)
        }
        guard let procedureCount = r.count(min: 4) else { return nil }
        procedureCodes = []
        for _ in 0..<procedureCount {
            guard let code = r.text() else { return nil }
            procedureCodes.append(code)
        }
        guard let groupCount = r.count(min: 12) else { return nil }
        groups = []
        for _ in 0..<groupCount {
            guard let u = r.i32(), u >= 0, Int(u) < unitCount, let sector = r.text(), let n = r.i32() else { return nil }
            groups.append((u, sector, n))
        }
        // Each unit, procedure, period and group once: one named twice would be added twice.
        struct GroupKey: Hashable { let unit: Int32, sector: String }
        guard Set(unitCodes).count == unitCount, Set(procedureCodes).count == procedureCount,
              Set(periods.map(\.label)).count == periodCount,
              Set(groups.map { GroupKey(unit: $0.unit, sector: $0.sector) }).count == groupCount else { return nil }
        guard let counters = r.sparse(), let activity = r.sparse(), r.atEnd,
              counters.count == groupCount * (periodCount + 1) * BaseCounter.count,
              activity.count == unitCount * periodCount * 3 * procedureCount else { return nil }
        self.counters = counters
        self.activity = activity
    }

    init(key: [UInt8], periods: [Period], unitCodes: [String], unitDossiers: [Int32], procedureCodes: [String],
         groups: [(unit: Int32, sector: String, dossiers: Int32)], counters: [Int32], activity: [Int32], tally: DossierTally) {
        (self.key, self.periods, self.unitCodes, self.unitDossiers) = (key, periods, unitCodes, unitDossiers)
        (self.procedureCodes, self.groups, self.counters, self.activity, self.tally) = (procedureCodes, groups, counters, activity, tally)
    }
}

/// What a run gives the roll-up to start from a memo: the previous sums, and the dossiers
/// the night changed — their versions before (`removed`, ids of the run's interners) and after.
public struct RollupMemoUpdate {
    public var memo: RollupMemo
    public var removed: [DossierState]
    public var added: [DossierState]
    /// Whether the caller keeps the updated sums (false: nothing is written, so none are made).
    public var keep: Bool

    public init(memo: RollupMemo, removed: [DossierState], added: [DossierState], keep: Bool = true) {
        (self.memo, self.removed, self.added, self.keep) = (memo, removed, added, keep)
    }
}

private struct MemoWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func data(_ b: [UInt8]) { u32(UInt32(b.count)); bytes.append(contentsOf: b) }
    mutating func text(_ s: String) { data(Array(s.utf8)) }
    /// Most counts are 0 and the rest small: a count, then for each non-zero value the zeros
    /// before it and the value (zigzag), as LEB128 varints; then the zeros after the last.
    mutating func sparse(_ v: [Int32]) {
        u64(UInt64(v.count))
        bytes.reserveCapacity(bytes.count + v.count / 2 + 16)
        var zeros: UInt64 = 0
        for x in v {
            if x == 0 { zeros += 1; continue }
            varint(zeros)
            varint(UInt64(UInt32(bitPattern: (x << 1) ^ (x >> 31))))
            zeros = 0
        }
        varint(zeros)
    }
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
}

/// Bounds-checked reads of `MemoWriter`'s bytes: nil past the end.
private struct MemoReader {
    let bytes: [UInt8]
    var at = 0
    var atEnd: Bool { at == bytes.count }

    mutating func take<T: FixedWidthInteger>(_: T.Type) -> T? {
        let n = MemoryLayout<T>.size
        guard bytes.count - at >= n else { return nil }
        defer { at += n }
        return T(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: T.self) })
    }
    mutating func u8() -> UInt8? { take(UInt8.self) }
    mutating func u32() -> UInt32? { take(UInt32.self) }
    mutating func i32() -> Int32? { take(Int32.self) }
    mutating func u64() -> UInt64? { take(UInt64.self) }
    /// A count of items of at least `min` bytes each that the bytes left can hold.
    mutating func count(min: Int) -> Int? {
        guard let n = u32(), Int(n) <= (bytes.count - at) / min else { return nil }
        return Int(n)
    }
    mutating func data() -> [UInt8]? {
        guard let n = u32(), Int(n) <= bytes.count - at else { return nil }
        defer { at += Int(n) }
        return Array(bytes[at..<at + Int(n)])
    }
    mutating func text() -> String? { data().map { String(decoding: $0, as: UTF8.self) } }
    /// `MemoWriter.sparse`'s values; nil unless the runs add up to the count exactly.
    mutating func sparse() -> [Int32]? {
        // At most the largest memo's counts (its budget, 64 MiB), however few bytes hold them.
        guard let n = u64(), n <= 1 << 24 else { return nil }
        let count = Int(n)
        var ok = false
        let values = [Int32](unsafeUninitializedCapacity: count) { out, initialized in
            out.initialize(repeating: 0)
            initialized = count
            bytes.withUnsafeBufferPointer { b in
                var at = self.at
                // One LEB128 varint at `at` (nil past the end or over 64 bits).
                func varint() -> UInt64? {
                    var value: UInt64 = 0, shift: UInt64 = 0
                    while at < b.count && shift < 64 {
                        let byte = b[at]
                        at += 1
                        value |= UInt64(byte & 0x7F) << shift
                        if byte < 0x80 { return value }
                        shift += 7
                    }
                    return nil
                }
                var filled = 0
                while true {
                    guard let zeros = varint(), zeros <= UInt64(count - filled) else { return }
                    filled += Int(zeros)
                    if filled == count { break }
                    guard let z = varint(), z <= UInt64(UInt32.max) else { return }
                    let u = UInt32(z)
                    out[filled] = Int32(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
                    filled += 1
                }
                self.at = at
                ok = true
            }
        }
        return ok ? values : nil
    }
}
