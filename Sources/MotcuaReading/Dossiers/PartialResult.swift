// What one parse worker accumulates over the chunks it is given: latest version per dossier,
// counts per file, rejects and line counts per chunk. Partials merge in a fixed order, and
// "latest" is a max over record positions, so the result is the same for any thread count.
import MotcuaFoundation
import Dispatch

public struct RejectEntry {
    public var position: RecordPosition
    public var reason: RejectReason
    public var excerpt: [UInt8]
    /// The offending value of an `invalid_value` reject (at most `RejectLog.valueBytes`, a
    /// longer one cut with `…`); nil for the other reasons.
    public var value: [UInt8]?
}

public struct FileCounts {
    public var records = 0
    public var accepted = 0
    public var rejected = 0
    package init() {}
}

public final class PartialResult {
    /// Dossiers by id, split by hash into partitions that merge independently (in parallel).
    static let partitionBits = 4
    package static var partitionCount: Int { 1 << partitionBits }
    private let dossiers: UnsafeMutablePointer<DossierTable>
    /// Per partition, the tables taken over from merged partials: their ids held nowhere
    /// else (ids also kept here were dropped from them when merged).
    private let absorbed: UnsafeMutablePointer<[DossierTable]>
    // Exclusivity unchecked at run time (the hot path): one thread owns this object at a time.
    @exclusivity(unchecked) public var units = Interner()
    @exclusivity(unchecked) public var procedures = Interner()
    @exclusivity(unchecked) public var sectors = Interner()
    @exclusivity(unchecked) public var files: [FileCounts]
    /// This worker's rejects first (each log in input order), then those of partials merged into it.
    @exclusivity(unchecked) public var rejectLogs: [RejectLog]
    /// Lines per (file, chunk), to turn chunk-relative line numbers into file lines.
    @exclusivity(unchecked) public var chunkLines: [(file: Int32, chunk: Int32, lines: Int)] = []
    /// The latest local day among NgayTiepNhan, NgayKetThucXuLy and NgayTra of the accepted
    /// records (superseded versions included); `noDay` when none has one. A max: it merges
    /// in any order.
    @exclusivity(unchecked) public var newestDay = noDay
    /// Date values that are no date in an accepted form, per file and field (reject path only).
    @exclusivity(unchecked) package var invalidDates: [InvalidDateKey: InvalidDates] = [:]
    /// Rejected records by the unit they name (an id in `units`: MaDonVi when it is text, else
    /// the agency-code prefix of MaHoSo), with their smallest MaHoSo; records that name none
    /// are not here (reject path only).
    @exclusivity(unchecked) package var rejectsByUnit: [Int32: ExampleIds] = [:]

    public init(fileCount: Int, spillDirectory: String? = nil, keepFirstRejects: Int = Int.max) {
        files = [FileCounts](repeating: FileCounts(), count: fileCount)
        rejectLogs = [RejectLog(spillDirectory: spillDirectory, keepFirst: keepFirstRejects)]
        self.spillDirectory = spillDirectory
        self.keepFirstRejects = keepFirstRejects
        dossiers = .allocate(capacity: PartialResult.partitionCount)
        for i in 0..<PartialResult.partitionCount { (dossiers + i).initialize(to: DossierTable(capacity: 1024)) }
        absorbed = .allocate(capacity: PartialResult.partitionCount)
        absorbed.initialize(repeating: [], count: PartialResult.partitionCount)
    }

    deinit {
        for i in 0..<PartialResult.partitionCount {
            dossiers[i].deallocate()
            for t in absorbed[i] { t.deallocate() }
        }
        dossiers.deallocate()
        absorbed.deinitialize(count: PartialResult.partitionCount)
        absorbed.deallocate()
        idCopies.deallocate()
    }

    /// Distinct dossiers this result stands for: those kept (waiting records are stored
    /// first) and those of a state not loaded (`notLoaded`).
    public var dossierCount: Int {
        flushWaiting()
        return notLoaded + (0..<PartialResult.partitionCount).reduce(0) { n, i in n + dossiers[i].count + absorbed[i].reduce(0) { $0 + $1.count } }
    }

    /// Dossiers of a saved state left on disk: a night whose roll-up updates kept sums loads
    /// only the ids its new files hold (`MotcuaState`'s selective load). Such a result cannot
    /// be walked; whatever needs every dossier completes the load first.
    package var notLoaded = 0
    /// Whether every dossier is held here (nothing left on disk).
    public var isComplete: Bool { notLoaded == 0 }
    /// With dossiers left on disk: the days (first, last) of the periods a roll-up sums anew,
    /// for which every saved dossier that may count (`Rollup.mayCount`) was loaded anyway —
    /// those periods may be summed over what is held (`forEachHeldState`).
    package var heldWindow: (from: Int32, to: Int32)?

    /// Every kept dossier's latest state, partition by partition. The order depends on which
    /// thread read what; callers only sum and collect, so results do not.
    public func forEachState(_ body: (DossierState) -> Void) {
        flushWaiting()
        forEachState(partitions: 0..<PartialResult.partitionCount, body)
    }

    /// The same over some partitions only, for a loop split across threads: call
    /// `flushWaiting()` once before (waiting records are stored there, not here).
    package func forEachState(partitions: Range<Int>, _ body: (DossierState) -> Void) {
        precondition(isComplete, "walking a partial result whose dossiers are not all loaded")
        forEachHeldState(partitions: partitions, body)
    }

    /// The same over the dossiers held, whether or not all are (see `heldWindow`).
    package func forEachHeldState(partitions: Range<Int>, _ body: (DossierState) -> Void) {
        for i in partitions {
            dossiers[i].forEach { s, _, _, _ in body(s) }
            for t in absorbed[i] { t.forEach { s, _, _, _ in body(s) } }
        }
    }

    /// Every kept dossier's latest state with its id bytes, over some partitions (as above).
    package func forEachDossier(partitions: Range<Int>, _ body: (DossierState, UnsafeBufferPointer<UInt8>) -> Void) {
        precondition(isComplete, "walking a partial result whose dossiers are not all loaded")
        for i in partitions {
            dossiers[i].forEach { s, p, n, _ in body(s, UnsafeBufferPointer(start: p, count: n)) }
            for t in absorbed[i] { t.forEach { s, p, n, _ in body(s, UnsafeBufferPointer(start: p, count: n)) } }
        }
    }

    private let spillDirectory: String?
    private let keepFirstRejects: Int
    @exclusivity(unchecked) private var lastReject: RecordPosition?

    /// Logs one of this partial's rejects. Each log must be in input order for the merge of
    /// logs; a chunk handed over out of that order (an earlier file's, when a thread ran out of
    /// files) starts a new log.
    func reject(_ position: RecordPosition, _ reason: RejectReason, excerpt: UnsafeBufferPointer<UInt8>, value: ByteText? = nil) {
        if let last = lastReject, position < last {
            rejectLogs.append(RejectLog(spillDirectory: spillDirectory, keepFirst: keepFirstRejects))
        }
        lastReject = position
        rejectLogs[rejectLogs.count - 1].append(position, reason, excerpt, value: value.map(RejectLog.keptValue))
    }

    /// Rejected records of all merged partials, in input order.
    package var rejectCount: Int { rejectLogs.reduce(0) { $0 + $1.count } }

    /// Records waiting to be stored: a record's slot is prefetched when it arrives, its entry
    /// one record later, and it is stored two records later — by then both are in cache
    /// (the table is far larger than the caches; each lookup used to wait for two misses).
    /// Waiting ids are copied into three rotating buffers (two waiting, one arriving).
    @exclusivity(unchecked) private var waiting = (PendingDossier(), PendingDossier())
    @exclusivity(unchecked) private var waitingCount = 0
    private let idCopies = UnsafeMutablePointer<UInt8>.allocate(capacity: 3 * PartialResult.maxWaitingId)
    @exclusivity(unchecked) private var nextCopy = 0
    private static let maxWaitingId = 64

    @inline(__always)
    private func table(_ hash: UInt64) -> UnsafeMutablePointer<DossierTable> {
        dossiers + Int(truncatingIfNeeded: hash >> UInt64(64 - PartialResult.partitionBits))
    }

    /// Keeps the state for `id` (now, or after the next two records; `flushWaiting` ends that).
    @inline(__always)
    package func keep(id: ByteText, _ state: DossierState) {
        let hash = hashBytes(id.base!, id.count)
        guard id.count <= PartialResult.maxWaitingId else {
            table(hash).pointee.keep(id.base!, id.count, hash: hash, state)
            return
        }
        table(hash).pointee.prefetchSlot(hash)
        if waitingCount == 2 {
            let oldest = waiting.0
            table(oldest.hash).pointee.keep(oldest.id, oldest.count, hash: oldest.hash, oldest.state)
            waiting.0 = waiting.1
            waitingCount = 1
        }
        if waitingCount == 1 { table(waiting.0.hash).pointee.prefetchEntry(waiting.0.hash, idBytes: waiting.0.count) }
        let copy = idCopies + nextCopy * PartialResult.maxWaitingId
        copy.update(from: id.base!, count: id.count)
        nextCopy = nextCopy == 2 ? 0 : nextCopy + 1
        let next = PendingDossier(id: UnsafePointer(copy), count: id.count, hash: hash, state: state)
        if waitingCount == 0 { waiting.0 = next } else { waiting.1 = next }
        waitingCount += 1
    }

    /// The in-memory partition of a dossier id's hash.
    package static func partition(ofHash hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> UInt64(64 - partitionBits)) }

    /// Stores a dossier read back from a saved state straight in its partition's table. Calls
    /// for different partitions may run on different threads at once (each table is its own).
    package func insertLoaded(_ id: UnsafePointer<UInt8>, _ count: Int, hash: UInt64, _ state: DossierState) {
        table(hash).pointee.keep(id, count, hash: hash, state)
    }

    /// Makes room in in-memory partition `part` for `dossiers` more loaded dossiers with
    /// `idBytes` id bytes in all (before their `insertLoaded`; same threading rule).
    package func reserveLoaded(partition part: Int, dossiers count: Int, idBytes: Int) {
        dossiers[part].reserve(count, idBytes: idBytes)
    }

    /// Starts loading the slot `insertLoaded` of this hash probes first.
    @inline(__always)
    package func prefetchLoaded(hash: UInt64) { table(hash).pointee.prefetchSlot(hash) }

    /// The state kept for an id, nil when none is (call `flushWaiting()` once before). Calls
    /// may run on several threads at once while nothing is stored.
    package func state(of id: UnsafePointer<UInt8>, _ count: Int, hash: UInt64) -> DossierState? {
        let part = PartialResult.partition(ofHash: hash)
        if let s = dossiers[part].find(id, count, hash: hash) { return s.pointee }
        for t in absorbed[part] { if let s = t.find(id, count, hash: hash) { return s.pointee } }
        return nil
    }

    /// Stores the waiting records.
    package func flushWaiting() {
        if waitingCount >= 1 { table(waiting.0.hash).pointee.keep(waiting.0.id, waiting.0.count, hash: waiting.0.hash, waiting.0.state) }
        if waitingCount == 2 { table(waiting.1.hash).pointee.keep(waiting.1.id, waiting.1.count, hash: waiting.1.hash, waiting.1.state) }
        waitingCount = 0
    }

    /// Folds `others` into this partial: codes re-interned here, then the dossier partitions
    /// merged on up to `threads` threads — each other table is taken over whole, its states
    /// re-coded, and the ids this partial already holds folded in here (latest-wins is a max
    /// over input positions and the versions' aggregates are min/max, so the kept states do not
    /// depend on the merge order). Nothing is
    /// copied or re-inserted; `others` are left without dossiers.
    public func merge(_ others: [PartialResult], threads: Int = 1) {
        flushWaiting()
        for other in others { other.flushWaiting() }
        guard !others.isEmpty else { return }
        let maps = others.map { other in
            (unit: remap(other.units, into: &units), procedure: remap(other.procedures, into: &procedures),
             sector: remap(other.sectors, into: &sectors))
        }
        let shared = MergeShared(others: others, own: dossiers, taken: absorbed)
        let parts = PartialResult.partitionCount
        let workers = max(1, min(threads, parts))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let (others, own, taken) = (shared.others, shared.own, shared.taken)
            for part in stride(from: w, to: parts, by: workers) {
                for (other, map) in zip(others, maps) {
                    // Its own table and those it took over from partials merged into it.
                    var tables = [other.dossiers[part]] + other.absorbed[part]
                    other.dossiers[part] = DossierTable(capacity: 16)
                    other.absorbed[part] = []
                    for t in tables.indices {
                        tables[t].dropKnown(in: [own[part]] + taken[part]) { state in
                            var s = state
                            s.unit = s.unit < 0 ? -1 : map.unit[Int(s.unit)]
                            s.procedure = s.procedure < 0 ? -1 : map.procedure[Int(s.procedure)]
                            s.sector = s.sector < 0 ? -1 : map.sector[Int(s.sector)]
                            return s
                        }
                        taken[part].append(tables[t])
                    }
                }
            }
        }
        for (other, map) in zip(others, maps) {
            for f in 0..<files.count {
                files[f].records += other.files[f].records
                files[f].accepted += other.files[f].accepted
                files[f].rejected += other.files[f].rejected
            }
            rejectLogs.append(contentsOf: other.rejectLogs)
            chunkLines.append(contentsOf: other.chunkLines)
            newestDay = max(newestDay, other.newestDay)
            for (key, seen) in other.invalidDates { invalidDates[key, default: InvalidDates()].merge(seen) }
            for (unit, tally) in other.rejectsByUnit { rejectsByUnit[map.unit[Int(unit)], default: ExampleIds()].merge(tally) }
        }
    }

    private func remap(_ from: Interner, into: inout Interner) -> [Int32] {
        (0..<from.count).map { i in
            from.table.withKey(i) { p, n in Int32(into.table.findOrInsert(p, n).index) }
        }
    }
}

/// A (file, date field) whose values were rejected as `invalid_value`.
package struct InvalidDateKey: Hashable, Sendable {
    package var file: Int32
    package var field: DossierField

    package init(file: Int32, field: DossierField) {
        (self.file, self.field) = (file, field)
    }
}

/// How many values of one file's date field were not dates in an accepted form, and the
/// first of them in input order (nil when it was not text, e.g. a JSON number).
package struct InvalidDates {
    package var count = 0
    package var first = RecordPosition(file: .max, chunk: .max, line: .max)
    package var firstValue: [UInt8]?

    package init() {}

    mutating func note(_ position: RecordPosition, _ value: ByteText) {
        count += 1
        if position < first {
            first = position
            firstValue = value.base.map { Array(UnsafeBufferPointer(start: $0, count: min(value.count, 64))) }
        }
    }

    mutating func merge(_ other: InvalidDates) {
        count += other.count
        if other.first < first { (first, firstValue) = (other.first, other.firstValue) }
    }
}

/// A record held back by `PartialResult.keep` while its table entry is fetched.
struct PendingDossier {
    var id = UnsafePointer<UInt8>(bitPattern: 1)!
    var count = 0
    var hash: UInt64 = 0
    var state = DossierState(position: RecordPosition(file: 0, chunk: 0, line: 0), unit: 0, procedure: 0, sector: 0,
                             received: 0, due: 0, ended: 0, returned: 0, status: 0, channel: 0, returnChannel: 0,
                             paidOnline: 0, flags: 0)
}

/// What `PartialResult.merge` hands to its worker threads.
// Unchecked: worker w touches only partitions w, w+workers, … of each table, and concurrentPerform joins before merge goes on.
private struct MergeShared: @unchecked Sendable {
    let others: [PartialResult]
    let own: UnsafeMutablePointer<DossierTable>
    let taken: UnsafeMutablePointer<[DossierTable]>
}
