// The ledger: every input file the state has taken in, keyed by content — its path, size and
// XXH3-128 digest, never an inode or a modification time — with everything a run reports
// about it (SPEC §7.3's input figures, warnings, line counts for its rejects). Ledger ids are
// stable: a file keeps its id in every later generation, and the positions saved with
// dossiers and rejects name files by it. `ledger.bin` also holds what the state's dossiers
// refer to (the interned codes) and the state-wide tallies.
import MotcuaFoundation
import MotcuaReading

/// What the state knows of one input file it took in.
package struct LedgerEntry {
    package var path: String
    package var size: Int
    package var digest: ContentDigest
    /// How the file was read (its input's format and mapping), `InputMapping.fingerprint`.
    package var mapping: String
    package var counts = FileCounts()
    package var bytesKept = 0
    package var corrupt: CorruptInput?
    /// Left out of the run under `on_corrupt_input: skip` (its records count nowhere).
    package var skipped = false
    package var members = 0
    package var compressedBytes = 0
    package var warnings: [String] = []
    package var chunkLines: [(chunk: Int32, lines: Int)] = []
    package var invalidDates: [(field: DossierField, dates: InvalidDates)] = []

    package init(path: String, size: Int, digest: ContentDigest, mapping: String) {
        (self.path, self.size, self.digest, self.mapping) = (path, size, digest, mapping)
    }
}

/// One file of rejects, written by the generation it is named after and carried (hard
/// linked) into later ones: a night's rejects are written once.
struct RejectSegment {
    var name: String
    var count: Int
    var byReason: [(code: UInt16, count: Int)]
}

/// One file of dossiers a generation added beside the partitions it took over (hard linked)
/// from the previous one: the dossiers its new files inserted or changed, each with its state
/// after the merge, sorted by partition. Carried (hard linked) into later generations until a
/// compaction writes the partitions anew (`Snapshot.Compaction`).
struct DeltaFile {
    var name: String
    var dossiers: Int
    /// The whole file's size, header included.
    var bytes: Int
}

/// `ledger.bin`: the ledger and what is shared by the whole state.
package struct Ledger {
    package var generation = 0
    /// The run settings that shape what is read (`InputMapping.global`); another value
    /// means a rebuild.
    package var mapping = ""
    package var entries: [LedgerEntry] = []
    var units: [[UInt8]] = []
    var procedures: [[UInt8]] = []
    var sectors: [[UInt8]] = []
    var newestDay = noDay
    var rejectsByUnit: [(unit: Int32, tally: ExampleIds)] = []
    var segments: [RejectSegment] = []
    /// Delta files, oldest first, loaded after the partitions (empty after a compaction).
    var deltas: [DeltaFile] = []
    package var dossiers = 0

    func encoded() -> StateWriter {
        var w = StateWriter()
        w.int(generation)
        w.text(mapping)
        w.int(entries.count)
        for e in entries {
            w.text(e.path)
            w.int(e.size)
            w.u64(e.digest.low)
            w.u64(e.digest.high)
            w.text(e.mapping)
            w.int(e.counts.records)
            w.int(e.counts.accepted)
            w.int(e.counts.rejected)
            w.int(e.bytesKept)
            w.bool(e.corrupt != nil)
            if let c = e.corrupt { w.int(c.offset); w.text(c.reason) }
            w.bool(e.skipped)
            w.int(e.members)
            w.int(e.compressedBytes)
            w.int(e.warnings.count)
            for s in e.warnings { w.text(s) }
            w.int(e.chunkLines.count)
            for c in e.chunkLines { w.i32(c.chunk); w.int(c.lines) }
            w.int(e.invalidDates.count)
            for (field, d) in e.invalidDates {
                w.u8(UInt8(field.rawValue))
                w.int(d.count)
                w.i32(d.first.chunk)
                w.i32(d.first.line)
                w.bool(d.firstValue != nil)
                if let v = d.firstValue { w.data(v) }
            }
        }
        for table in [units, procedures, sectors] {
            w.int(table.count)
            for s in table { w.data(s) }
        }
        w.i32(newestDay)
        w.int(rejectsByUnit.count)
        for (unit, tally) in rejectsByUnit {
            w.i32(unit)
            w.int(tally.count)
            w.int(tally.ids.count)
            for id in tally.ids { w.data(id) }
        }
        w.int(segments.count)
        for s in segments {
            w.text(s.name)
            w.int(s.count)
            w.int(s.byReason.count)
            for (code, n) in s.byReason { w.u16(code); w.int(n) }
        }
        w.int(deltas.count)
        for d in deltas {
            w.text(d.name)
            w.int(d.dossiers)
            w.int(d.bytes)
        }
        w.int(dossiers)
        return w
    }

    init() {}

    init(_ r: inout StateReader) throws {
        generation = try r.int()
        mapping = try r.text()
        let n = try r.count(unit: 8)
        entries.reserveCapacity(n)
        for _ in 0..<n {
            var e = LedgerEntry(path: try r.text(), size: try r.int(), digest: ContentDigest(low: try r.u64(), high: try r.u64()),
                                mapping: try r.text())
            e.counts.records = try r.int()
            e.counts.accepted = try r.int()
            e.counts.rejected = try r.int()
            e.bytesKept = try r.int()
            if try r.bool() { e.corrupt = CorruptInput(offset: try r.int(), reason: try r.text()) }
            e.skipped = try r.bool()
            e.members = try r.int()
            e.compressedBytes = try r.int()
            for _ in 0..<(try r.count(unit: 4)) { e.warnings.append(try r.text()) }
            for _ in 0..<(try r.count(unit: 12)) { e.chunkLines.append((try r.i32(), try r.int())) }
            for _ in 0..<(try r.count(unit: 18)) {
                guard let field = DossierField(rawValue: Int(try r.u8())) else { throw r.damaged("names an unknown field") }
                var d = InvalidDates()
                d.count = try r.int()
                d.first = RecordPosition(file: 0, chunk: try r.i32(), line: try r.i32())
                if try r.bool() { d.firstValue = try r.data() }
                e.invalidDates.append((field, d))
            }
            entries.append(e)
        }
        var tables: [[[UInt8]]] = []
        for _ in 0..<3 {
            var t: [[UInt8]] = []
            for _ in 0..<(try r.count(unit: 4)) { t.append(try r.data()) }
            tables.append(t)
        }
        (units, procedures, sectors) = (tables[0], tables[1], tables[2])
        newestDay = try r.i32()
        for _ in 0..<(try r.count(unit: 20)) {
            let unit = try r.i32()
            guard unit >= 0, Int(unit) < units.count else { throw r.damaged("names an unknown unit") }
            let count = try r.int()
            var ids: [[UInt8]] = []
            for _ in 0..<(try r.count(unit: 4)) { ids.append(try r.data()) }
            rejectsByUnit.append((unit, ExampleIds(count: count, ids: ids)))
        }
        for _ in 0..<(try r.count(unit: 20)) {
            let name = try r.text(), count = try r.int()
            var reasons: [(UInt16, Int)] = []
            for _ in 0..<(try r.count(unit: 10)) { reasons.append((try r.u16(), try r.int())) }
            guard name.hasPrefix("rejects-"), !name.contains("/") else { throw r.damaged("names a rejects file '\(name)'") }
            segments.append(RejectSegment(name: name, count: count, byReason: reasons))
        }
        for _ in 0..<(try r.count(unit: 20)) {
            let name = try r.text(), count = try r.int(), bytes = try r.int()
            guard name.hasPrefix("delta-"), !name.contains("/"), count >= 0, bytes >= StateFormat.headerBytes else {
                throw r.damaged("names a delta file '\(name)' of \(count) dossiers and \(bytes) bytes")
            }
            deltas.append(DeltaFile(name: name, dossiers: count, bytes: bytes))
        }
        dossiers = try r.int()
        guard r.atEnd else { throw r.damaged("has bytes past its last record") }
    }
}
