// The state directory (`--state DIR`): a lock, and generations switched atomically.
//
//     DIR/.motcua-state.lock              flock: one run at a time (a second exits 75)
//     DIR/current -> g000008              switched by one rename, after everything is fsynced
//     DIR/g000008/ledger.bin              the ledger, code tables, state-wide tallies
//     DIR/g000008/part-00.bin … part-63.bin   dossiers by hash partition
//     DIR/g000008/delta-000007.bin …      dossiers runs since the last compaction inserted or changed
//     DIR/g000008/rejects-000003.bin …    rejects, one segment per run that read files
//     DIR/g000008/rollup.bin              the roll-up's sums over these dossiers (optional)
//
// A run writes its generation beside the current one and switches `current` before it
// publishes its outputs (published outputs always match a committed generation); then the
// previous generation goes. A generation takes over the previous one's partitions, deltas and
// rejects as hard links and writes only new files (a file is never written twice, so one
// shared by two generations never changes). A kill at any moment leaves the
// previous or the new generation current; whatever else is there is removed by the next run.
import MotcuaFoundation
import MotcuaReading
import Foundation
#if canImport(Glibc)
import Glibc
#endif

package final class StateDirectory {
    package let path: String
    /// Every file and directory fsynced (false for a cluster's map output, an intermediate).
    package let durable: Bool
    private var lockFD: Int32 = -1
    /// The generation being written, until committed or discarded.
    var pending: (name: String, number: Int)?
    /// The ledger and file map of a selective load (`loadDossiers(selecting:)`), for `completeLoad`.
    private var selected: (ledger: Ledger, fileMap: [Int32])?

    /// Creates the directory if needed, takes its lock, removes what killed runs left.
    package init(path: String, durable: Bool = true) throws {
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
        self.durable = durable
        var built = ""
        for part in self.path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o755) != 0 && errno != EEXIST {
                throw MotcuaError(.cantCreate, "\(path): cannot create the state directory \(built): \(String(cString: strerror(errno)))")
            }
        }
        let lockPath = self.path + "/.motcua-state.lock"
        lockFD = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else {
            throw MotcuaError(.cantCreate, "\(lockPath): cannot create the state's lock file: \(String(cString: strerror(errno)))")
        }
        if flock(lockFD, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            close(lockFD)
            lockFD = -1
            if e == EWOULDBLOCK { throw MotcuaError(.locked, "\(path): another motcua run holds the state's lock \(lockPath)") }
            throw MotcuaError(.cantCreate, "\(lockPath): cannot lock: \(String(cString: strerror(e)))")
        }
        guard access(self.path, W_OK) == 0 else { throw MotcuaError(.cantCreate, "\(path): the state directory is not writable") }
        removeLeftovers()
    }

    deinit {
        discard()
        if lockFD >= 0 { close(lockFD) }
    }

    private var currentLink: String { "\(path)/current" }

    /// The current generation's folder name, nil when the state is new.
    package var currentName: String? { try? FileManager.default.destinationOfSymbolicLink(atPath: currentLink) }

    /// The current generation's number (from its folder's name), nil for a new state.
    package var currentGeneration: Int? {
        guard let name = currentName, name.hasPrefix("g") else { return nil }
        return Int(name.dropFirst())
    }

    static func generationName(_ n: Int) -> String { "g" + String(repeating: "0", count: max(0, 6 - String(n).count)) + String(n) }

    /// Generations other than the current one (of killed runs, or the previous one of a run
    /// killed after its switch) and temporary links. Only names motcua writes: anything else
    /// in the directory is not its to remove.
    private func removeLeftovers() {
        let keep = currentName
        for n in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where n != keep {
            let generation = n.count == 7 && n.hasPrefix("g") && n.dropFirst().allSatisfy(\.isNumber)
            if generation || n.hasPrefix(".motcua-tmp-") { try? FileManager.default.removeItem(atPath: "\(path)/\(n)") }
        }
    }

    /// The current generation's ledger; nil for a new state. A state of another format
    /// version is reported as `formatMismatch` (rebuilt, not an error); damage is exit 65.
    package func currentLedger() throws -> (ledger: Ledger?, formatMismatch: UInt32?) {
        guard let name = currentName else { return (nil, nil) }
        guard currentGeneration != nil else { throw StateFiles.damaged("\(path)/current", "it names '\(name)', not a generation") }
        do {
            var r = try StateFiles.read("\(path)/\(name)/ledger.bin", .ledger)
            return (try Ledger(&r), nil)
        } catch let m as StateFormatMismatch {
            return (nil, m.found)
        }
    }

    static let rollupName = "rollup.bin"

    /// The roll-up's sums the current generation keeps (`rollup.bin`, its payload from
    /// `payloadStart` on); nil when it keeps none. Damage is exit 65, as for every state file.
    package func currentRollupSums() throws -> (bytes: [UInt8], payloadStart: Int)? {
        guard let name = currentName else { return nil }
        let file = "\(path)/\(name)/\(StateDirectory.rollupName)"
        guard access(file, F_OK) == 0 else { return nil }
        let r = try StateFiles.read(file, .rollup)
        return (r.bytes, r.at)
    }

    /// Fills a fresh partial result (sized for the run's input files) with the state: code
    /// tables, dossiers, rejects and per-file figures, file positions through `fileMap`
    /// (ledger id → input index). Returns the dossiers loaded.
    package func load(_ ledger: Ledger, into partial: PartialResult, fileMap: [Int32], threads: Int) throws -> Int {
        try loadFigures(ledger, into: partial, fileMap: fileMap)
        return try loadDossiers(ledger, into: partial, fileMap: fileMap, threads: threads)
    }

    /// All `load` puts in a fresh partial but the dossiers: the code tables, the rejects, the
    /// files' figures, the newest day.
    package func loadFigures(_ ledger: Ledger, into partial: PartialResult, fileMap: [Int32]) throws {
        guard let name = currentName else { return }
        let dir = "\(path)/\(name)"
        try StateDirectory.internCodes(ledger, into: partial, ledgerPath: "\(dir)/ledger.bin")
        for segment in ledger.segments {
            partial.rejectLogs.append(try Snapshot.loadRejects(segment, in: dir, fileMap: fileMap))
        }
        for (id, e) in ledger.entries.enumerated() {
            let i = fileMap[id]
            partial.files[Int(i)] = e.counts
            partial.chunkLines += e.chunkLines.map { (file: i, chunk: $0.chunk, lines: $0.lines) }
            for (field, d) in e.invalidDates {
                var moved = d
                moved.first.file = i
                partial.invalidDates[InvalidDateKey(file: i, field: field)] = moved
            }
        }
        partial.newestDay = max(partial.newestDay, ledger.newestDay)
        for (unit, tally) in ledger.rejectsByUnit { partial.rejectsByUnit[unit, default: ExampleIds()].merge(tally) }
    }

    /// The saved dossiers into a partial holding none yet (its code tables the ledger's).
    /// `selecting`: only those ids' (and any of the same hash) and those `keep` accepts; the
    /// rest stay on disk, counted in `notLoaded`, until `completeLoad`. Returns the dossiers loaded.
    package func loadDossiers(_ ledger: Ledger, into partial: PartialResult, fileMap: [Int32], selecting: ChangedDossiers? = nil,
                              alsoKeeping keep: ((DossierState) -> Bool)? = nil, threads: Int) throws -> Int {
        guard let dir = try loadSaved(ledger, into: partial, fileMap: fileMap, selecting: selecting, alsoKeeping: keep, threads: threads)
        else { return 0 }
        let loaded = partial.dossierCount
        guard selecting == nil ? loaded == ledger.dossiers : loaded <= ledger.dossiers else {
            throw StateFiles.damaged("\(dir)/ledger.bin", "counts \(ledger.dossiers) dossiers where its partitions and deltas hold \(selecting == nil ? "" : "at least ")\(loaded)")
        }
        if selecting != nil {
            partial.notLoaded = ledger.dossiers - loaded
            selected = (ledger, fileMap)
        }
        return loaded
    }

    /// The current generation's saved dossiers into `partial` (`Snapshot.loadDossiers`, codes
    /// bounded by the ledger's tables); returns the generation's folder, nil without one.
    private func loadSaved(_ ledger: Ledger, into partial: PartialResult, fileMap: [Int32], selecting: ChangedDossiers? = nil,
                           alsoKeeping keep: ((DossierState) -> Bool)? = nil, threads: Int) throws -> String? {
        guard let name = currentName else { return nil }
        let dir = "\(path)/\(name)"
        _ = try Snapshot.loadDossiers(dir, deltas: ledger.deltas, into: partial, fileMap: fileMap,
                                      codes: (Int32(ledger.units.count), Int32(ledger.procedures.count), Int32(ledger.sectors.count)),
                                      selecting: selecting, alsoKeeping: keep, threads: threads)
        return dir
    }

    /// Whether the generation after `previous` with the delta of `changed` is written
    /// compacted (`write`'s choice, known before the roll-up: such a night loads every dossier).
    package func compacts(_ previous: Ledger, adding changed: ChangedDossiers, dossiers: Int) -> Bool {
        let delta = DeltaFile(name: "", dossiers: changed.count, bytes: StateFormat.headerBytes + changed.deltaPayloadBytes)
        return Snapshot.Compaction.due(deltas: previous.deltas + (changed.count > 0 ? [delta] : []), dossiers: dossiers)
    }

    /// What a selective load left on disk, loaded into `partial` (which may have merged other
    /// partials since: a saved version folds into the one held by `DossierState.absorb`, the
    /// merge's own rule, so the result is what a full load and the same merge would hold).
    package func completeLoad(_ partial: PartialResult, threads: Int) throws {
        guard !partial.isComplete, let (ledger, fileMap) = selected, currentName != nil else { return }
        let missing = partial.notLoaded
        partial.notLoaded = 0
        partial.heldWindow = nil
        let held = partial.dossierCount
        guard let dir = try loadSaved(ledger, into: partial, fileMap: fileMap, threads: threads) else { return }
        guard partial.dossierCount - held == missing else {
            throw StateFiles.damaged("\(dir)/ledger.bin", "counts \(ledger.dossiers) dossiers where its partitions and deltas hold \(ledger.dossiers - missing + partial.dossierCount - held)")
        }
    }

    /// Gives a fresh partial the ledger's code tables, in their order (saved dossiers name
    /// codes by their place in them).
    static func internCodes(_ ledger: Ledger, into partial: PartialResult, ledgerPath: String) throws {
        func intern(_ table: [[UInt8]], _ interner: inout Interner) throws {
            for (i, s) in table.enumerated() {
                let id = s.withUnsafeBufferPointer { interner.id(ByteText(base: $0.baseAddress, count: $0.count)) }
                guard id == Int32(i) else { throw StateFiles.damaged(ledgerPath, "has a code twice or an empty code") }
            }
        }
        try intern(ledger.units, &partial.units)
        try intern(ledger.procedures, &partial.procedures)
        try intern(ledger.sectors, &partial.sectors)
    }

    /// Writes the next generation beside the current one (every file fsynced, not yet
    /// current): `entries` in ledger-id order, dossiers and code tables from `merged`, the
    /// rejects of this run's new files from `newLogs`, the roll-up's sums (`rollupSums`, when
    /// the run kept them). `previous` is the ledger extended (nil
    /// for a rebuild: its segments and deltas are not carried). With `changed` (the ids the
    /// run's new files hold) and a previous ledger, the previous partitions and deltas are
    /// linked and those dossiers written as one delta — unless `Snapshot.Compaction` says the
    /// deltas are due to be folded in: then, as without, every partition is written anew.
    package func write(generation number: Int, entries: [LedgerEntry], ledgerIds: [Int32], mapping: String, previous: Ledger?,
                       merged: PartialResult, changed: ChangedDossiers? = nil, newLogs: [RejectLog], rollupSums: [UInt8]? = nil,
                       threads: Int) throws -> Ledger {
        let (name, dir) = try begin(generation: number)
        var ledger = Ledger()
        ledger.generation = number
        ledger.mapping = mapping
        ledger.entries = entries
        let current = currentName
        if let previous, let current {
            for s in previous.segments { try linkPrevious(s.name, of: current, into: dir, "rejects") }
            ledger.segments = previous.segments
        }
        if let segment = try Snapshot.saveRejects(newLogs, ledgerIds: ledgerIds, name: "rejects-\(name.dropFirst()).bin", to: dir, sync: durable) {
            ledger.segments.append(segment)
        }
        var compact = true
        if let previous, let current, let changed {
            let (payload, count) = try Snapshot.deltaPayload(changed, merged: merged, ledgerIds: ledgerIds)
            let delta = DeltaFile(name: "delta-\(name.dropFirst()).bin", dossiers: count, bytes: StateFormat.headerBytes + payload.bytes.count)
            assert(payload.bytes.count == changed.deltaPayloadBytes && count == changed.count)
            let deltas = previous.deltas + (count > 0 ? [delta] : [])
            let dossiers = merged.dossierCount
            if !Snapshot.Compaction.due(deltas: deltas, dossiers: dossiers) {
                for p in 0..<StateFormat.partitionCount { try linkPrevious(Snapshot.partitionName(p), of: current, into: dir, "partitions") }
                for d in previous.deltas { try linkPrevious(d.name, of: current, into: dir, "deltas") }
                if count > 0 { try StateFiles.write("\(dir)/\(delta.name)", .delta, payload, sync: durable) }
                ledger.deltas = deltas
                ledger.dossiers = dossiers
                compact = false
            }
        }
        if compact {
            try completeLoad(merged, threads: threads)
            ledger.dossiers = try Snapshot.saveDossiers(merged, ledgerIds: ledgerIds, to: dir, sync: durable, threads: threads)
        }
        func table(_ interner: Interner) -> [[UInt8]] { (0..<interner.count).map { Array(interner.string(Int32($0)).utf8) } }
        ledger.units = table(merged.units)
        ledger.procedures = table(merged.procedures)
        ledger.sectors = table(merged.sectors)
        ledger.newestDay = merged.newestDay
        ledger.rejectsByUnit = merged.rejectsByUnit.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let rollupSums { try StateFiles.write("\(dir)/\(StateDirectory.rollupName)", .rollup, StateWriter(bytes: rollupSums), sync: durable) }
        try StateFiles.write("\(dir)/ledger.bin", .ledger, ledger.encoded(), sync: durable)
        if durable {
            try StateDirectory.syncDirectory(dir)
            try StateDirectory.syncDirectory(path)
        }
        return ledger
    }

    /// The current generation's file `name` as a hard link in `dir` (the data was fsynced when
    /// that file was written; the link is made durable by syncing `dir`).
    private func linkPrevious(_ name: String, of current: String, into dir: String, _ what: String) throws {
        guard link("\(path)/\(current)/\(name)", "\(dir)/\(name)") == 0 else {
            throw MotcuaError(.io, "\(dir)/\(name): cannot link the previous \(what): \(String(cString: strerror(errno)))")
        }
    }

    /// A fresh folder for generation `number`, pending until committed or discarded.
    func begin(generation number: Int) throws -> (name: String, dir: String) {
        let name = StateDirectory.generationName(number)
        let dir = "\(path)/\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        guard mkdir(dir, 0o755) == 0 else { throw MotcuaError(.io, "\(dir): cannot create: \(String(cString: strerror(errno)))") }
        pending = (name, number)
        return (name, dir)
    }

    /// Makes the written generation current (one rename, fsynced), then removes the previous.
    package func commit() throws {
        guard let (name, _) = pending else { return }
        let previous = currentName
        let temp = "\(path)/.motcua-tmp-\(getpid())-current"
        unlink(temp)
        guard symlink(name, temp) == 0, rename(temp, currentLink) == 0 else {
            throw MotcuaError(.io, "\(currentLink): cannot switch to \(name): \(String(cString: strerror(errno)))")
        }
        pending = nil
        if durable { try StateDirectory.syncDirectory(path) }
        if let previous, previous != name { try? FileManager.default.removeItem(atPath: "\(path)/\(previous)") }
    }

    /// Removes a generation written but not committed.
    package func discard() {
        if let (name, _) = pending { try? FileManager.default.removeItem(atPath: "\(path)/\(name)") }
        pending = nil
    }

    static func syncDirectory(_ dir: String) throws {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw MotcuaError(.io, "\(dir): cannot open to sync: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        if fsync(fd) != 0 { throw MotcuaError(.io, "\(dir): fsync failed: \(String(cString: strerror(errno)))") }
    }
}
