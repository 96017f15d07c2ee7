// A generation's data: the dossiers' latest versions in `part-NN.bin` (hash partitions of the
// dossier id) and `delta-G.bin` files over them, the rejects in `rejects-G.bin` segments, and
// `ledger.bin`. Saving walks a run's merged partial result — all of it into new partitions
// (a compaction), or only the dossiers the run's new files hold into one delta, the previous
// partitions and deltas being hard linked; loading fills a fresh one, which the run then
// merges the new files' partial into — the same merge the threads of one run use, so a state
// run and a full run reach the same dossiers by construction.
//
// A dossier on disk (56 bytes + its id): position (ledger id, chunk, line), unit, procedure,
// sector (ids into ledger.bin's code tables), received, due, ended, returned, receivedMin,
// receivedMax (days), status, channel, returnChannel, paidOnline, flags, highestStage, id
// length (u16), id bytes.
import MotcuaFoundation
import MotcuaReading
import Foundation
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

enum Snapshot {
    static let fixedBytes = 56

    static func partitionName(_ p: Int) -> String { "part-\(p < 10 ? "0" : "")\(p).bin" }

    /// Writes every dossier of `merged` into `dir`'s partition files, on up to `threads`
    /// threads; positions' file indices become ledger ids through `ledgerIds`. Returns the
    /// dossiers written.
    /// `only`: write that partition alone (a cluster's reduce task holds no other).
    static func saveDossiers(_ merged: PartialResult, ledgerIds: [Int32], to dir: String, only: Int? = nil, sync: Bool = true,
                             threads: Int) throws -> Int {
        merged.flushWaiting()
        let memoryParts = PartialResult.partitionCount
        let perMemory = StateFormat.partitionCount / memoryParts
        let results = SideBySide.slices(memoryParts, threads: threads, minimum: 1) { range -> Result<Int, Error> in
            var written = 0
            for m in range where only.map({ $0 / perMemory == m }) ?? true {
                var buffers = [StateWriter](repeating: StateWriter(), count: perMemory)
                var counts = [Int](repeating: 0, count: perMemory)
                merged.forEachDossier(partitions: m..<m + 1) { s, id in
                    let p = StateFormat.partition(ofHash: hashBytes(id.baseAddress!, id.count)) - m * perMemory
                    encode(s, id: id, file: ledgerIds[Int(s.position.file)], into: &buffers[p])
                    counts[p] += 1
                }
                for k in 0..<perMemory where only.map({ $0 == m * perMemory + k }) ?? true {
                    var w = StateWriter()
                    w.int(counts[k])
                    w.bytes.append(contentsOf: buffers[k].bytes)
                    do { try StateFiles.write("\(dir)/\(partitionName(m * perMemory + k))", .partition, w, sync: sync) } catch { return .failure(error) }
                    written += counts[k]
                }
            }
            return .success(written)
        }
        return try results.reduce(0) { $0 + (try $1.get()) }
    }

    private static func encode(_ s: DossierState, id: UnsafeBufferPointer<UInt8>, file: Int32, into w: inout StateWriter) {
        // Field by field, in `loadRecords`' offsets (no array per dossier: a compaction writes them all).
        w.i32(file); w.i32(s.position.chunk); w.i32(s.position.line)
        w.i32(s.unit); w.i32(s.procedure); w.i32(s.sector)
        w.i32(s.received); w.i32(s.due); w.i32(s.ended); w.i32(s.returned)
        w.i32(s.receivedMin); w.i32(s.receivedMax)
        w.u8(s.status); w.u8(s.channel); w.u8(s.returnChannel); w.u8(s.paidOnline); w.u8(s.flags); w.u8(s.highestStage)
        w.u16(UInt16(id.count))
        w.bytes.append(contentsOf: id)
    }

    /// Reads every partition of `dir` into `partial` (fresh, its code tables already holding
    /// the ledger's), then each of `deltas` over them in order — a delta's dossier folds into the
    /// partition's by `DossierState.absorb`, the rule a run's merge uses: the later input
    /// position wins, so a delta cannot undo what a file later in the input order says. File
    /// positions go through `fileMap` (ledger id → input index). `only`: that partition alone.
    /// `selecting`: only the saved dossiers whose id hash these ids have (a night whose
    /// roll-up updates kept sums needs no other), and those `keep` accepts (the dossiers that
    /// may count in the periods it sums anew); every record is still walked and bounded.
    /// Returns the saved dossiers read (a dossier in the partitions and a delta counts twice).
    static func loadDossiers(_ dir: String, deltas: [DeltaFile] = [], into partial: PartialResult, fileMap: [Int32],
                             codes: (units: Int32, procedures: Int32, sectors: Int32), only: Int? = nil,
                             selecting: ChangedDossiers? = nil, alsoKeeping keep: ((DossierState) -> Bool)? = nil,
                             threads: Int) throws -> Int {
        // The deltas are small (Compaction bounds them): each read and checked once, whole.
        let deltaFiles = try deltas.map { try DeltaSlices("\(dir)/\($0.name)", dossiers: $0.dossiers) }
        let memoryParts = PartialResult.partitionCount
        let perMemory = StateFormat.partitionCount / memoryParts
        let results = SideBySide.slices(memoryParts, threads: threads, minimum: 1) { range -> Result<Int, Error> in
            var loaded = 0
            do {
                for m in range where only.map({ $0 / perMemory == m }) ?? true {
                    let parts = (0..<perMemory).map { m * perMemory + $0 }.filter { only == nil || only == $0 }
                    // Read the memory partition's files first: their counts size its table once.
                    var readers = try parts.map { try StateFiles.read("\(dir)/\(partitionName($0))", .partition) }
                    let counts = try readers.indices.map { try readers[$0].count(unit: fixedBytes) }
                    var dossiers = counts.reduce(0, +), bytes = readers.indices.reduce(0) { $0 + readers[$1].bytes.count - readers[$1].at }
                    for d in deltaFiles {
                        for p in parts { dossiers += d.counts[p]; bytes += d.start[p + 1] - d.start[p] }
                    }
                    if selecting == nil { partial.reserveLoaded(partition: m, dossiers: dossiers, idBytes: max(0, bytes - dossiers * fixedBytes)) }
                    for (j, p) in parts.enumerated() {
                        let r = readers[j], n = counts[j]
                        try r.bytes.withUnsafeBytes { raw in
                            try loadRecords(raw, from: r.at, to: raw.count, count: n, partition: p, path: r.path, into: partial,
                                            fileMap: fileMap, codes: codes, selecting: selecting, alsoKeeping: keep, isDelta: false)
                        }
                        readers[j] = StateReader([], path: r.path)   // its bytes are in the table now
                        loaded += n
                        for d in deltaFiles {
                            try d.file.withUnsafeBytes { raw in
                                try loadRecords(raw, from: d.start[p], to: d.start[p + 1], count: d.counts[p], partition: p, path: d.path,
                                                into: partial, fileMap: fileMap, codes: codes, selecting: selecting, alsoKeeping: keep, isDelta: true)
                            }
                            loaded += d.counts[p]
                        }
                    }
                }
            } catch {
                return .failure(error)
            }
            return .success(loaded)
        }
        return try results.reduce(0) { $0 + (try $1.get()) }
    }

    /// Stores the `n` saved dossiers of partition `p` that fill `raw[from..<end]` in `partial`
    /// (with `selecting`, only those whose id hash it may hold).
    private static func loadRecords(_ raw: UnsafeRawBufferPointer, from: Int, to end: Int, count n: Int, partition p: Int, path: String,
                                    into partial: PartialResult, fileMap: [Int32],
                                    codes: (units: Int32, procedures: Int32, sectors: Int32), selecting: ChangedDossiers?,
                                    alsoKeeping keep: ((DossierState) -> Bool)?, isDelta: Bool) throws {
        /// The dossier at `at` as saved (its position's file a ledger id, not checked yet).
        func decode(at: Int) -> DossierState {
            func i32(_ k: Int) -> Int32 { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 4 * k, as: Int32.self)) }
            func u8(_ k: Int) -> UInt8 { raw[at + 48 + k] }
            var s = DossierState(position: RecordPosition(file: i32(0), chunk: i32(1), line: i32(2)),
                                 unit: i32(3), procedure: i32(4), sector: i32(5), received: i32(6), due: i32(7),
                                 ended: i32(8), returned: i32(9), status: u8(0), channel: u8(1), returnChannel: u8(2),
                                 paidOnline: u8(3), flags: u8(4))
            s.receivedMin = i32(10)
            s.receivedMax = i32(11)
            s.highestStage = u8(5)
            return s
        }
        func store(_ saved: DossierState, at: Int, idCount: Int, hash: UInt64) throws {
            var s = saved
            let file = s.position.file
            guard file >= 0, Int(file) < fileMap.count, s.unit < codes.units, s.procedure < codes.procedures, s.sector < codes.sectors
            else { throw StateFiles.damaged(path, "names a file or code the ledger does not have") }
            s.position.file = fileMap[Int(file)]
            guard StateFormat.partition(ofHash: hash) == p else { throw StateFiles.damaged(path, "holds a dossier of another partition") }
            partial.insertLoaded((raw.baseAddress! + at + fixedBytes).assumingMemoryBound(to: UInt8.self), idCount, hash: hash, s)
        }
        /// The id length of the dossier at `at`, nil when it does not fit before `end`.
        func idCount(at: Int) -> Int? {
            guard at + fixedBytes <= end else { return nil }
            let k = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at + 54, as: UInt16.self)))
            return at + fixedBytes + k <= end ? k : nil
        }
        var at = from
        if let selecting {
            // A few ids among all: each record hashed and tested (and, with `keep`, its state),
            // the few found stored.
            for _ in 0..<n {
                guard let k = idCount(at: at) else { throw StateFiles.damaged(path, "ends inside a dossier") }
                let id = (raw.baseAddress! + at + fixedBytes).assumingMemoryBound(to: UInt8.self)
                let hash = hashBytes(id, k)
                if selecting.mayHold(hash: hash) {
                    try store(decode(at: at), at: at, idCount: k, hash: hash)
                } else if let keep {
                    // A delta's version is the dossier's whole state after its night: it replaces
                    // a version held, kept or not (else a stale one that `keep` took would stay).
                    let s = decode(at: at)
                    if keep(s) || (isDelta && partial.state(of: id, k, hash: hash) != nil) { try store(s, at: at, idCount: k, hash: hash) }
                }
                at += fixedBytes + k
            }
            guard at == end else { throw StateFiles.damaged(path, "has bytes past its last dossier") }
            return
        }
        // In batches: the ids are hashed and their slots prefetched first, then inserted, so the
        // table's cache misses overlap instead of coming one after another.
        let batch = 16
        try withUnsafeTemporaryAllocation(of: (offset: Int, idCount: Int, hash: UInt64).self, capacity: batch) { pending in
            var done = 0
            while done < n {
                var k = min(batch, n - done), truncated = false
                for j in 0..<k {
                    guard let count = idCount(at: at) else { (k, truncated) = (j, true); break }
                    let hash = hashBytes((raw.baseAddress! + at + fixedBytes).assumingMemoryBound(to: UInt8.self), count)
                    partial.prefetchLoaded(hash: hash)
                    pending[j] = (at, count, hash)
                    at += fixedBytes + count
                }
                for (at, count, hash) in pending[0..<k] { try store(decode(at: at), at: at, idCount: count, hash: hash) }
                if truncated { throw StateFiles.damaged(path, "ends inside a dossier") }
                done += k
            }
            guard at == end else { throw StateFiles.damaged(path, "has bytes past its last dossier") }
        }
    }

    // MARK: Deltas

    /// How many deltas a state keeps before a run compacts it (writes every partition anew, with
    /// the deltas folded in, and drops them). A delta saves the night's write (~1–2 % of the
    /// dossiers instead of all of them) but is loaded again by every later run, on top of the
    /// partitions; so the deltas together may hold at most `bytesPerDossier` bytes per dossier of
    /// the state: a dossier's record is 56 bytes and the id, and the state's bound is 64 and the
    /// id (issue 13), of which 6 go to the deltas and 2 stay for the ledger and the rejects.
    /// That is ~7 % of the partitions' bytes at 25-byte ids: a run loads at most ~7 % more than
    /// the partitions, and at 1–2 % of the dossiers a night a state compacts every 4–8 nights.
    /// At most `maxDeltas` files, whatever their size (each is a file to open and check).
    /// `MOTCUA_STATE_DELTAS=N` (tests, benchmarks): at most N deltas whatever their bytes — 0
    /// compacts every run.
    enum Compaction {
        static let bytesPerDossier = 6
        static let maxDeltas = 32

        /// Whether a generation whose deltas would be `deltas` (the new one last) of a state of
        /// `dossiers` dossiers is written compacted instead.
        static func due(deltas: [DeltaFile], dossiers: Int, limit: Int? = overriddenLimit) -> Bool {
            if let limit { return deltas.count > limit }
            return deltas.count > maxDeltas || deltas.reduce(0) { $0 + $1.bytes } > bytesPerDossier * dossiers
        }

        static var overriddenLimit: Int? {
            ProcessInfo.processInfo.environment["MOTCUA_STATE_DELTAS"].flatMap { Int($0) }.map { max(0, $0) }
        }
    }

    /// A delta's payload: the dossiers `changed` names, each with its state in `merged` (the
    /// loaded state with the new files merged in), in partition order after a table of where
    /// each partition's are:
    ///
    ///     per partition (64): dossiers u64 · bytes u64   then the dossiers, partition 0 first
    ///
    /// (each dossier as in a partition file). Returns the payload and its dossiers.
    static func deltaPayload(_ changed: ChangedDossiers, merged: PartialResult, ledgerIds: [Int32]) throws -> (payload: StateWriter, dossiers: Int) {
        merged.flushWaiting()
        var parts = [StateWriter](repeating: StateWriter(), count: StateFormat.partitionCount)
        var counts = [Int](repeating: 0, count: StateFormat.partitionCount)
        try changed.forEach { id, hash in
            guard let s = merged.state(of: id.baseAddress!, id.count, hash: hash) else {
                throw MotcuaError(.software, "a dossier the new files hold is not in the merged state")
            }
            let p = StateFormat.partition(ofHash: hash)
            encode(s, id: id, file: ledgerIds[Int(s.position.file)], into: &parts[p])
            counts[p] += 1
        }
        var w = StateWriter()
        for p in parts.indices {
            w.int(counts[p])
            w.int(parts[p].bytes.count)
        }
        for part in parts { w.bytes.append(contentsOf: part.bytes) }
        return (w, counts.reduce(0, +))
    }

    /// A delta file read whole through its checksum, with where each partition's dossiers are.
    struct DeltaSlices {
        let path: String
        /// The whole file (header, table, dossiers).
        let file: [UInt8]
        /// Per partition, the byte offset in `file` of its dossiers (and of the end, last).
        let start: [Int]
        let counts: [Int]

        init(_ path: String, dossiers: Int) throws {
            var r = try StateFiles.read(path, .delta)
            var counts: [Int] = [], lengths: [Int] = []
            for _ in 0..<StateFormat.partitionCount {
                counts.append(try r.int())
                lengths.append(try r.int())
            }
            var start = [r.at]
            for p in counts.indices {
                guard counts[p] >= 0, lengths[p] >= 0, lengths[p] <= r.bytes.count - start[p], counts[p] <= lengths[p] / fixedBytes else {
                    throw r.damaged("holds an impossible count or length (partition \(p): \(counts[p]) dossiers, \(lengths[p]) bytes)")
                }
                start.append(start[p] + lengths[p])
            }
            guard start.last == r.bytes.count else { throw r.damaged("has bytes past its last dossier") }
            guard counts.reduce(0, +) == dossiers else {
                throw r.damaged("holds \(counts.reduce(0, +)) dossiers where the ledger says \(dossiers)")
            }
            (self.path, file, self.start, self.counts) = (path, r.bytes, start, counts)
        }
    }

    /// Writes the rejects of `logs` (this run's new files) as one segment; positions' file
    /// indices become ledger ids. Returns the segment, nil when there were none.
    static func saveRejects(_ logs: [RejectLog], ledgerIds: [Int32], name: String, to dir: String, sync: Bool = true) throws -> RejectSegment? {
        var merge = RejectMerge(logs)
        var w = StateWriter()
        var count = 0
        var byReason: [UInt16: Int] = [:]
        while let e = merge.next() {
            var p = e.position
            p.file = ledgerIds[Int(p.file)]
            e.excerpt.withUnsafeBufferPointer { RejectLog.encode(p, e.reason, $0, value: e.value, into: &w.bytes) }
            count += 1
            byReason[e.reason.code, default: 0] += 1
        }
        for log in logs { if let failure = log.failure { throw MotcuaError(.io, failure) } }
        guard count > 0 else { return nil }
        try StateFiles.write("\(dir)/\(name)", .rejects, w, sync: sync)
        return RejectSegment(name: name, count: count, byReason: byReason.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// A saved segment as a reject log of `partial`'s run.
    static func loadRejects(_ segment: RejectSegment, in dir: String, fileMap: [Int32]) throws -> RejectLog {
        let fd = try StateFiles.openChecked("\(dir)/\(segment.name)", .rejects)
        var byReason: [RejectReason: Int] = [:]
        for (code, n) in segment.byReason {
            guard let reason = RejectReason(savedCode: code) else {
                close(fd)
                throw StateFiles.damaged("\(dir)/ledger.bin", "names an unknown reject reason (\(code))")
            }
            byReason[reason, default: 0] += n
        }
        return RejectLog(savedEntries: fd, at: StateFormat.headerBytes, count: segment.count, byReason: byReason, fileMap: fileMap)
    }
}

/// The ids a run's new files hold, taken from their partial before it is merged into the
/// loaded state: the dossiers the next delta holds. One byte buffer of (hash u64, length u16,
/// id) — nothing allocated per dossier.
package struct ChangedDossiers {
    private var keys: [UInt8] = []
    package private(set) var count = 0
    /// The ids' hashes in an open-addressing table (0: empty; a hash of 0 is `hasZero`), for
    /// the selective load's test of every saved dossier.
    private var hashes: [UInt64] = []
    private var hasZero = false
    private var shift: UInt64 = 63

    package init(_ partial: PartialResult) {
        var keys: [UInt8] = [], all: [UInt64] = []
        partial.flushWaiting()
        partial.forEachDossier(partitions: 0..<PartialResult.partitionCount) { _, id in
            let hash = hashBytes(id.baseAddress!, id.count)
            withUnsafeBytes(of: hash.littleEndian) { keys.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt16(id.count).littleEndian) { keys.append(contentsOf: $0) }
            keys.append(contentsOf: id)
            all.append(hash)
        }
        (self.keys, count) = (keys, all.count)
        // At most a quarter full: a test of a hash not here ends at the first or second slot.
        var bits = 4
        while 1 << bits < 4 * all.count { bits += 1 }
        shift = UInt64(64 - bits)
        var table = [UInt64](repeating: 0, count: 1 << bits)
        for hash in all {
            guard hash != 0 else { hasZero = true; continue }
            var slot = ChangedDossiers.slot(hash, shift)
            while table[slot] != 0 && table[slot] != hash { slot = (slot + 1) & (table.count - 1) }
            table[slot] = hash
        }
        hashes = table
    }

    /// The bytes of `Snapshot.deltaPayload` for these ids: its table, then each dossier.
    package var deltaPayloadBytes: Int { 16 * StateFormat.partitionCount + count * Snapshot.fixedBytes + keys.count - 10 * count }

    /// Whether one of these ids has this hash (then the id may be one of them).
    @inline(__always)
    package func mayHold(hash: UInt64) -> Bool {
        guard hash != 0 else { return hasZero }
        return hashes.withUnsafeBufferPointer { table in
            let mask = table.count - 1
            var slot = ChangedDossiers.slot(hash, shift)
            while true {
                let h = table[slot]
                if h == hash { return true }
                if h == 0 { return false }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The partition bits are the hash's top ones (equal within a partition): the slot comes
    /// from all of them, mixed.
    @inline(__always)
    private static func slot(_ hash: UInt64, _ shift: UInt64) -> Int { Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// Each of these ids' state in `partial`, where it holds one (the versions a night's files
    /// replace, read before their merge; and the versions kept, after it).
    package func states(in partial: PartialResult) -> [DossierState] {
        partial.flushWaiting()
        var states: [DossierState] = []
        states.reserveCapacity(count)
        forEach { id, hash in
            if let s = partial.state(of: id.baseAddress!, id.count, hash: hash) { states.append(s) }
        }
        return states
    }

    func forEach(_ body: (UnsafeBufferPointer<UInt8>, UInt64) throws -> Void) rethrows {
        try keys.withUnsafeBytes { raw in
            var at = 0
            while at < raw.count {
                let hash = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                let n = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at + 8, as: UInt16.self)))
                try body(UnsafeBufferPointer(start: (raw.baseAddress! + at + 10).assumingMemoryBound(to: UInt8.self), count: n), hash)
                at += 10 + n
            }
        }
    }
}
