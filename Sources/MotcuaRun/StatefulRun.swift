// A run with a state between runs (issue 13, `--state DIR`): the files the state already
// took in are not read; the state's dossiers, rejects and per-file figures are loaded into
// a partial result, and the new files' partial is merged into it with the merge a run's
// threads use — so everything after reading (roll-up, KPIs, outputs) is the same code on
// the same data as a full run, and the outputs are byte for byte a full run's. Then the
// next generation is written, and made current before the outputs are published.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import MotcuaState
import Logging
import Foundation

/// The state's part of one run.
struct StateRun {
    let directory: StateDirectory
    let plan: StatePlan
    /// The rejects of the files read this run (the next generation's new segment).
    var newLogs: [RejectLog] = []
    var loadedDossiers = 0
    /// The ids the new files hold (the next generation's delta), taken before their merge.
    var changed: ChangedDossiers?
    /// The roll-up's sums the previous generation kept, and the versions of the changed ids
    /// before and after the merge (the roll-up updates the sums with them).
    var rollupSums: RollupMemo?
    /// Why the previous generation's sums are not used, when it has some.
    var rollupNote: String?
    var replaced: [DossierState] = []
    var kept: [DossierState] = []
    /// Whether only the changed ids' saved versions are loaded (after the new files are read):
    /// the roll-up updates kept sums from them alone, and nothing else walks the dossiers.
    var selective = false
    /// With `selective`: the days of the periods the roll-up sums anew, and which saved dossiers
    /// may count in them (loaded too).
    var window: (days: (from: Int32, to: Int32), mayCount: (DossierState) -> Bool)?

    /// What the roll-up does with its sums: update the kept ones, or make them anew — and
    /// neither makes new ones on a night with nothing new (no generation keeps them).
    var memoUse: MemoUse {
        guard let sums = rollupSums else { return plan.unchanged ? .none : .make }
        return .update(RollupMemoUpdate(memo: sums, removed: replaced, added: kept, keep: !plan.unchanged))
    }

    /// Input indices the state already holds (not read).
    var known: [(index: Int, entry: Int)] { plan.known.enumerated().compactMap { i, e in e.map { (i, $0) } } }
}

extension Runner {
    /// Opens the state's plan: the ledger against the listing (every file's digest).
    static func planState(_ plan: Plan, options: RunOptions, logger: Logger) throws -> StateRun? {
        guard let directory = plan.state else { return nil }
        let p = plan.pipeline
        let statePlan = StatePlan.make(files: plan.files, mapping: plan.files.map { InputMapping.fingerprint($0.spec) },
                                       global: InputMapping.global(zoneMinutes: p.zoneMinutes, maxLineBytes: p.maxLineBytes,
                                                                   onCorruptInput: p.onCorruptInput),
                                       // --full-refresh is the way out of a damaged state: it does not read it.
                                       state: options.fullRefresh ? (nil, nil) : try directory.currentLedger(), currentGeneration: directory.currentGeneration ?? 0,
                                       fullRefresh: options.fullRefresh, trustDigests: options.trustStateDigests,
                                       threads: max(1, options.threads))
        if let why = statePlan.rebuild {
            logger.notice("state \(directory.path): reading every input file (\(why))")
        } else {
            logger.info("state \(directory.path): \(statePlan.reused) files already taken in, \(plan.files.count - statePlan.reused) new")
        }
        return StateRun(directory: directory, plan: statePlan)
    }

    /// The state loaded into a partial result for the run's files, and what it says of the
    /// files it holds: those left out as corrupt, and their damage.
    static func loadState(_ state: inout StateRun, _ plan: Plan, options: RunOptions,
                          excluded: inout Set<Int>, corrupt: inout [Int: CorruptInput]) throws -> PartialResult? {
        guard let previous = state.plan.previous else { return nil }
        let base = PartialResult(fileCount: plan.files.count, spillDirectory: plan.output.path)
        if let (bytes, start) = try state.directory.currentRollupSums() {
            // Bytes that passed their checksum but do not read as sums (another layout): the
            // run sums in full, and keeps its own.
            state.rollupSums = RollupMemo(decoding: bytes, from: start)
            if state.rollupSums == nil { state.rollupNote = "the kept sums are of another layout" }
        }
        let p = plan.pipeline
        if !p.outputs.wantsDataQuality && !wholeStateForced, let sums = state.rollupSums,
           let update = Rollup.updates(sums, catalogs: plan.catalogs, periods: plan.periods, rules: p.rules,
                                       bySector: p.breakdownBySector, form: p.outputs.formRowsScope) {
            state.selective = true
            state.window = update.window.map { ($0, update.mayCount) }
        }
        if state.selective {
            try state.directory.loadFigures(previous, into: base, fileMap: state.plan.fileMap)
        } else {
            state.loadedDossiers = try state.directory.load(previous, into: base, fileMap: state.plan.fileMap, threads: max(1, options.threads))
        }
        for (i, id) in state.known {
            let e = previous.entries[id]
            if e.skipped { excluded.insert(i) }
            if let c = e.corrupt { corrupt[i] = c }
        }
        return base
    }

    /// The new files' outcome merged into the loaded state, with the state's files' figures
    /// put where a full run's reading would have put them; `state` keeps the ids they hold.
    static func splice(_ outcome: ReduceOutcome, into base: PartialResult, _ state: inout StateRun, threads: Int) throws -> ReduceOutcome {
        var outcome = outcome
        let changed = ChangedDossiers(outcome.merged)
        state.changed = changed
        if state.selective, let previous = state.plan.previous {
            state.loadedDossiers = try state.directory.loadDossiers(previous, into: base, fileMap: state.plan.fileMap,
                                                                    selecting: changed, alsoKeeping: state.window?.mayCount, threads: threads)
            base.heldWindow = state.window?.days
        }
        if state.rollupSums != nil { state.replaced = changed.states(in: base) }
        base.merge([outcome.merged], threads: threads)
        if state.rollupSums != nil { state.kept = changed.states(in: base) }
        if let previous = state.plan.previous, !base.isComplete, state.directory.compacts(previous, adding: changed, dossiers: base.dossierCount) {
            // This night writes every partition anew: it needs every dossier.
            try state.directory.completeLoad(base, threads: threads)
        }
        outcome.merged = base
        guard let previous = state.plan.previous else { return outcome }
        for (i, id) in state.known {
            let e = previous.entries[id]
            var r = FileChunkResult()
            r.bytesKept = e.bytesKept
            r.corrupt = e.corrupt
            outcome.files[i] = r
            outcome.members[i] = e.members
            outcome.compressedBytes[i] = e.compressedBytes
            outcome.fileWarnings[i] = e.warnings
            outcome.reached[i] = !e.skipped
        }
        return outcome
    }

    /// `MOTCUA_STATE_LOAD=all` (tests, benchmarks): every saved dossier loaded, as before the
    /// selective load.
    static var wholeStateForced: Bool { ProcessInfo.processInfo.environment["MOTCUA_STATE_LOAD"] == "all" }

    /// summary.json's `state` object, known before the generation is written.
    static func stateFigures(_ state: StateRun, _ read: Read, dossiers: Int, rollupUpdated: Bool) -> StateFigures {
        let known = state.plan.reused
        let loaded = (state.plan.previous?.dossiers ?? 0) - read.merged.notLoaded
        return StateFigures(generation: state.plan.unchanged ? state.plan.current : state.plan.generation, filesRead: read.merged.files.count - known,
                            filesSkipped: known, dossiers: dossiers, rebuilt: state.plan.rebuild, rollupUpdated: rollupUpdated,
                            dossiersLoaded: loaded)
    }

    /// Writes the next generation (fsynced, not yet current); nothing when nothing is new.
    static func saveState(_ state: StateRun, _ plan: Plan, _ read: Read, rollupSums: RollupMemo?, options: RunOptions) throws {
        if state.plan.unchanged { return }
        let merged = read.merged
        var entries = state.plan.previous?.entries ?? []
        var chunkLines: [Int32: [(chunk: Int32, lines: Int)]] = [:]
        for c in merged.chunkLines { chunkLines[c.file, default: []].append((c.chunk, c.lines)) }
        var invalidDates: [Int32: [(field: DossierField, dates: InvalidDates)]] = [:]
        for (key, d) in merged.invalidDates { invalidDates[key.file, default: []].append((key.field, d)) }
        for (i, f) in plan.files.enumerated() where state.plan.known[i] == nil {
            guard let digest = state.plan.digests[i] else { throw MotcuaError(.noInput, "\(f.relativePath): cannot be read to take its digest") }
            var e = LedgerEntry(path: f.relativePath, size: state.plan.sizes[i], digest: digest, mapping: InputMapping.fingerprint(f.spec))
            e.counts = merged.files[i]
            e.bytesKept = read.outcome.files[i].bytesKept
            e.corrupt = read.corrupt[i]
            e.skipped = read.excluded.contains(i)
            e.members = read.outcome.members[i]
            e.compressedBytes = read.outcome.compressedBytes[i]
            e.warnings = read.outcome.fileWarnings[i]
            e.chunkLines = (chunkLines[Int32(i)] ?? []).sorted { $0.chunk < $1.chunk }
            e.invalidDates = (invalidDates[Int32(i)] ?? []).sorted { $0.field.rawValue < $1.field.rawValue }
            entries.append(e)
        }
        let p = plan.pipeline
        _ = try state.directory.write(generation: state.plan.generation, entries: entries, ledgerIds: state.plan.ledgerIds,
                                      mapping: InputMapping.global(zoneMinutes: p.zoneMinutes, maxLineBytes: p.maxLineBytes,
                                                                   onCorruptInput: p.onCorruptInput),
                                      previous: state.plan.previous, merged: merged, changed: state.changed,
                                      newLogs: state.newLogs, rollupSums: rollupSums?.encoded(), threads: max(1, options.threads))
    }
}
