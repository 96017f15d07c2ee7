// `motcua run` from end to end, as named phases: resolve (pipeline, periods, catalogs,
// inputs, output lock) → read and reduce → roll up (with the accounting's identities) →
// check the reject rate → render (the output table) → database (`outputs.postgres`, committed
// before the files move in) → state → publish. Never prints; the result or a `MotcuaError` goes back to the caller.
// A run that fails after it has read leaves its summary and rejects in `last-failure/` and
// hands its warnings back with the error (`explain`).
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import MotcuaState
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging

public struct RunReport {
    public var outputDir: String
    public var accounting: Accounting
    public var rejectsByReason: [String: Int]
    public var warnings: [String]
    public var periods: [String]
    public var rows: Int
    public var wallSeconds: Double
    public var pipeline: String
    public var compressedBytes: Int
    public var bytes: Int
    public var unknownUnits: [String]
    /// summary.json's `newest_record_day`, and the pipeline's timezone it is a day of.
    public var newestRecordDay: Int32?
    public var zoneMinutes: Int
    /// With `--state`: what the state did (summary.json's `state`).
    package var state: StateFigures?
    /// With `outputs.postgres`: what the committed transaction wrote.
    package var database: DatabaseFigures?
}

public enum Runner {
    /// The phases of a run, in order: resolve, read and reduce (with the merge of the
    /// workers' partial results), roll up, check the reject rate, render, publish.
    public static func run(pipelinePath: String, options: RunOptions, logger: Logger,
                           isCancelled: @escaping () -> Bool = { false }) throws -> RunReport {
        try run(pipelinePath: pipelinePath, options: options, logger: logger, isCancelled: isCancelled, beforeReading: nil)
    }

    /// `beforeReading`: a step given the settled plan — pipeline, periods and the output and
    /// state directories checked and locked — before any input is read (`finish` assembles its
    /// state there, so that a bad option or output directory stops it before it touches one).
    static func run(pipelinePath: String, options: RunOptions, logger: Logger, isCancelled: @escaping () -> Bool,
                    beforeReading: ((Plan) throws -> Void)?) throws -> RunReport {
        let clock = PhaseClock(logger: logger)
        var plan = try resolve(pipelinePath: pipelinePath, options: options, isCancelled: isCancelled)
        clock.mark("resolved", ["files": "\(plan.files.count)"])
        try beforeReading?(plan)
        do {
            return try runPhases(plan, options: options, logger: logger, clock: clock, isCancelled: isCancelled)
        } catch let e as MotcuaError where e.code == .interrupted {
            // Hundreds of thousands of input files take longer to free than a signal may wait.
            freeInBackground(&plan.files, leaving: [])
            throw e
        }
    }

    /// The phases after resolve: read and reduce, roll up, render, publish.
    private static func runPhases(_ plan: Plan, options: RunOptions, logger: Logger, clock: PhaseClock,
                                  isCancelled: @escaping () -> Bool) throws -> RunReport {
        for note in plan.output.takeNotes() { logger.notice("\(note)") }
        logger.info("reading \(plan.files.count) input files", metadata: ["pipeline": "\(plan.pipeline.name)", "threads": "\(options.threads)"])
        let read = try readAndReduce(plan, options: options, logger: logger, clock: clock, isCancelled: isCancelled)
        clock.mark("read and reduced", ["drain": "\(read.outcome.timing.drain)", "merge": "\(read.outcome.timing.merge)"])
        var accounting = tally(read)
        if options.mapFiles != nil { return try saveMap(plan, read, accounting: accounting, options: options) }
        var rollup: RollupResult?
        do {
            if let failure = read.failure { throw failure }
            try stopIfCancelled(isCancelled)
            let rolled = try rollUp(plan, read, options: options)
            rollup = rolled
            try stopIfCancelled(isCancelled)
            try count(&accounting, rolled, read)
            clock.mark("rolled up", rolled.memoUsed ? ["from": "kept sums"] : [:])
            if let note = rolled.memoNote ?? read.state?.rollupNote, read.state != nil {
                logger.info("state: the roll-up went over every dossier: \(note)")
            }
            try checkRejectRate(plan, read, accounting)
            let summary = summarize(plan, read, rolled, accounting: accounting, options: options, started: clock.started)
            var results = RunResults(rollup: rolled, periods: plan.periods, catalogs: plan.catalogs,
                                     summary: summary, threads: options.threads)
            if let st = read.state, options.reportState {
                results.summary.state = stateFigures(st, read, dossiers: accounting.dossiers, rollupUpdated: rolled.memoUsed)
                results.summary.bytesRead = plan.files.indices.reduce(0) { $0 + (st.plan.known[$1] == nil ? read.outcome.files[$1].bytesKept : 0) }
            }
            results.isCancelled = isCancelled
            if plan.pipeline.outputs.wantsDataQuality { checkDataQuality(&results, plan, read, options: options) }
            try stopIfCancelled(isCancelled)
            let outputs = try render(results, plan)
            clock.mark("rendered")
            try stopIfCancelled(isCancelled)
            var database: DatabaseFigures?
            // Once the database has committed, the files must follow it: from there a signal no
            // longer stops the run (as past the publish point), and a failure says what the database holds.
            var isCancelled = isCancelled
            if let db = plan.database {
                database = try writeDatabase(db, results, plan, started: clock.startedDate)
                clock.mark("database written", ["run_id": "\(database!.runID)"])
                isCancelled = { false }
            }
            do {
                if let st = read.state {
                    // The state first: published outputs then always match a committed generation.
                    try saveState(st, plan, read, rollupSums: rolled.memo, options: options)
                    clock.mark("state written")
                    try stopIfCancelled(isCancelled)
                    try st.directory.commit()
                    clock.mark("state switched")
                }
                try publish(outputs, plan, read, isCancelled: isCancelled)
            } catch let e as MotcuaError where database != nil {
                var noted = MotcuaError(e.code, e.message + "; the database already holds this run's rows (run_id \(database!.runID) in \(database!.destination)): run again to publish the files")
                noted.warnings = e.warnings
                throw noted
            }
            for note in plan.output.takeNotes() { logger.notice("\(note)") }
            clock.mark("published")
            return RunReport(outputDir: plan.pipeline.outputDir, accounting: accounting, rejectsByReason: summary.rejectsByReason,
                             warnings: summary.warnings, periods: plan.periods.map(\.label), rows: rolled.rows.count,
                             wallSeconds: summary.wallSeconds, pipeline: plan.pipeline.name,
                             compressedBytes: summary.inputs.reduce(0) { $0 + $1.compressedBytes },
                             bytes: summary.inputs.reduce(0) { $0 + $1.bytes }, unknownUnits: rolled.units.unknownCodes,
                             newestRecordDay: summary.newestRecordDay, zoneMinutes: plan.pipeline.zoneMinutes,
                             state: results.summary.state, database: database)
        } catch let e as MotcuaError {
            throw explain(e, plan, read, rollup, accounting: accounting, options: options, started: clock.started,
                          isCancelled: isCancelled)
        }
    }

    /// What a run is about, settled before any input is read: the pipeline with the command
    /// line applied, the periods, the catalogs, the input files in input order, and the output
    /// directory, locked.
    struct Plan {
        var pipeline: Pipeline
        var periods: [Period]
        var catalogs: Catalogs
        var files: [InputFile]
        /// Symlinks not followed and files reached by several paths, found while listing.
        var listingWarnings: [String]
        var output: OutputDirectory
        /// `--as-of` (today and yesterday resolved), nil without it.
        var asOf: Int32?
        /// The state between runs (`--state`, `state:`), locked; nil without one.
        var state: StateDirectory?
        /// The kind of `periods` (the database's `runs` and keys name it).
        var periodKind: PeriodKind
        /// `outputs.postgres` (or `--postgres`), connected and checked; nil without one.
        var database: (any DatabaseSink)?
    }

    /// The inputs as read: the merged partial result, and which files were damaged or left out.
    struct Read {
        var outcome: ReduceOutcome
        var corrupt: [Int: CorruptInput]
        var excluded: Set<Int>
        /// The state's part of the run (`--state`), nil without one.
        var state: StateRun?
        var merged: PartialResult { outcome.merged }
        /// What stopped the reading (a corrupt input under `fail`, a file that cannot be read).
        var failure: MotcuaError? {
            guard let f = outcome.failure else { return nil }
            return f as? MotcuaError ?? MotcuaError(.io, "\(f)")
        }
    }

    /// Listing the inputs asks `isCancelled` as it goes (a `**/` over a huge tree takes seconds):
    /// interrupted there, nothing is locked or written yet.
    static func resolve(pipelinePath: String, options: RunOptions, isCancelled: () -> Bool) throws -> Plan {
        var pipeline: Pipeline
        do { pipeline = try PipelineLoader.load(path: pipelinePath) } catch let e as ConfigErrors {
            throw MotcuaError(.config, e.description)
        }
        if let r = options.rules { pipeline.rules = r }
        if let o = options.outDir { pipeline.outputDir = URL(fileURLWithPath: o).standardizedFileURL.path }
        let periods = try PeriodResolution.resolve(pipeline.periods, options, zoneMinutes: pipeline.zoneMinutes)
        var issues: [ConfigIssue] = []
        let catalogs = pipeline.loadCatalogs(issues: &issues)
        if !issues.isEmpty { throw MotcuaError(.config, ConfigErrors(issues: issues).description) }
        var (files, listing): ([InputFile], [String])
        do { (files, listing) = try InputSet.resolve(pipeline, isCancelled: isCancelled) } catch is Interrupted { throw interrupted }
        if let only = options.mapFiles { files = try mapSubset(files, only) }
        let output: OutputDirectory
        do { output = try OutputDirectory(path: pipeline.outputDir) } catch let e as OutputError {
            throw MotcuaError(e.kind == .locked ? .locked : .cantCreate, e.message)
        }
        let statePath = options.statePath.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? pipeline.statePath
        let state = try statePath.map { try StateDirectory(path: $0, durable: !options.stateIntermediate) }
        // Last: the local checks fail first, without a round trip to the server.
        let database: (any DatabaseSink)?
        do { database = try prepareDatabase(pipeline, options: options, isCancelled: isCancelled) } catch is Interrupted { throw interrupted }
        return Plan(pipeline: pipeline, periods: periods, catalogs: catalogs, files: files, listingWarnings: listing, output: output,
                    asOf: options.resolvedAsOf(zoneMinutes: pipeline.zoneMinutes), state: state,
                    periodKind: try PeriodResolution.kind(pipeline.periods, options), database: database)
    }

    /// The database of `outputs.postgres` (the URL of `--postgres` over the pipeline's), its
    /// connection, tables and rights checked before any input is read (exit 69).
    static func prepareDatabase(_ pipeline: Pipeline, options: RunOptions, isCancelled: () -> Bool) throws -> (any DatabaseSink)? {
        var target = pipeline.postgres
        if let url = options.postgresURL { target = PostgresTarget(source: .url(url), schema: target?.schema ?? PostgresTarget.defaultSchema) }
        // A map task writes no outputs: the database is finish's.
        guard let target, options.mapFiles == nil else { return nil }
        guard let sink = options.database else {
            throw MotcuaError(.unavailable, "outputs.postgres: this build of motcua has no PostgreSQL client (RunOptions.database)")
        }
        try sink.prepare(target, url: try target.resolvedURL(), isCancelled: isCancelled)
        return sink
    }

    /// The run's rows into the database, committed; on a failure the transaction is rolled back,
    /// the rendered files are dropped and the previous outputs stay (exit 74).
    static func writeDatabase(_ sink: any DatabaseSink, _ results: RunResults, _ plan: Plan, started: Date) throws -> DatabaseFigures {
        let run = DatabaseRun(results: results, pipeline: plan.pipeline.name, rules: plan.pipeline.rules,
                              periodKind: plan.periodKind, asOf: plan.asOf, started: started)
        do { return try sink.write(run) } catch let e as MotcuaError {
            plan.output.discard()
            throw e
        } catch is Interrupted {
            plan.output.discard()
            throw interrupted
        }
    }

    /// Reads every input on the run's threads; corrupt files under `skip` are left out
    /// entirely, by reading again without them.
    static func readAndReduce(_ plan: Plan, options: RunOptions, logger: Logger, clock: PhaseClock? = nil,
                              isCancelled: @escaping () -> Bool) throws -> Read {
        let pipeline = plan.pipeline
        var excluded = Set<Int>()
        var corrupt: [Int: CorruptInput] = [:]
        var state = try planState(plan, options: options, logger: logger)
        var base: PartialResult?
        if var st = state {
            clock?.mark("state planned (digests)")
            base = try loadState(&st, plan, options: options, excluded: &excluded, corrupt: &corrupt)
            state = st
            clock?.mark("state loaded", ["dossiers": "\(st.loadedDossiers)"])
        }
        let known = Set(state?.known.map(\.index) ?? [])
        while true {
            var reduce = ParallelReduce(
                files: plan.files, excluded: excluded.union(known), threads: max(1, options.threads), maxLineBytes: pipeline.maxLineBytes,
                chunkBytes: options.chunkBytes,
                dates: { DateTimeParser(zoneMinutes: pipeline.zoneMinutes, pinned: $0.dateForm) },
                policy: pipeline.onCorruptInput, isCancelled: isCancelled)
            reduce.progress = options.progress
            reduce.inflater = options.inflater
            reduce.spillDirectory = plan.output.path
            let outcome: ReduceOutcome
            do { outcome = try reduce.run() } catch is Interrupted { throw interrupted }
            for (i, r) in outcome.files.enumerated() where !known.contains(i) { if let c = r.corrupt { corrupt[i] = c } }
            guard outcome.failure == nil, let skip = outcome.skipped else {
                guard var st = state else { return Read(outcome: outcome, corrupt: corrupt, excluded: excluded) }
                st.newLogs = outcome.merged.rejectLogs
                clock?.mark("new files read", ["files": "\(plan.files.count - st.plan.reused)"])
                let spliced = try base.map { try splice(outcome, into: $0, &st, threads: max(1, options.threads)) } ?? outcome
                return Read(outcome: spliced, corrupt: corrupt, excluded: excluded, state: st)
            }
            logger.info("reading again without corrupt input \(plan.files[skip].relativePath)")
            excluded.insert(skip)
        }
    }

    /// Records, accepted and rejected, summed over the files (SPEC §3.4's first identity).
    static func tally(_ read: Read) -> Accounting {
        var accounting = Accounting()
        for f in read.merged.files {
            accounting.records += f.records
            accounting.accepted += f.accepted
            accounting.rejected += f.rejected
        }
        return accounting
    }

    /// The reject-rate limit (exit 65, naming the first rejects).
    static func checkRejectRate(_ plan: Plan, _ read: Read, _ accounting: Accounting) throws {
        let rate = accounting.records == 0 ? 0 : Double(accounting.rejected) / Double(accounting.records)
        if rate > plan.pipeline.maxRejectRate {
            var stream = NumberedRejects(read.merged, files: plan.files)
            let first = (0..<3).compactMap { _ in stream.next() }.map(SummaryOutput.rejectForMessage).joined(separator: "; ")
            throw MotcuaError(.data, "\(accounting.rejected) of \(accounting.records) records rejected (\(fixed(rate * 100, 2))%), above max_reject_rate \(plan.pipeline.maxRejectRate); nothing published. First: \(first)")
        }
    }

    /// Counters, KPIs and form rows (exit 70 if an identity breaks).
    static func rollUp(_ plan: Plan, _ read: Read, options: RunOptions) throws -> RollupResult {
        let p = plan.pipeline
        func build() throws -> RollupResult {
            try Rollup.build(read.merged, catalogs: plan.catalogs, periods: plan.periods, rules: p.rules,
                             bySector: p.breakdownBySector, targets: p.targets,
                             form: p.outputs.formRowsScope, reportUnits: p.reportUnits, threads: options.threads,
                             memo: read.state?.memoUse ?? .none)
        }
        do {
            do { return try build() } catch is RollupNeedsEveryDossier {
                // The kept sums did not apply after all: the rest of the state, then the full roll-up.
                guard let st = read.state else { throw MotcuaError(.software, "internal invariant broken: a roll-up without a state lacks dossiers; nothing published") }
                try st.directory.completeLoad(read.merged, threads: max(1, options.threads))
                return try build()
            }
        } catch let e as InvariantBroken {
            throw MotcuaError(.software, "internal invariant broken: \(e.message); nothing published")
        }
    }

    /// The data-quality rows (issue 15). Dates after `--as-of` (else the run's day in the
    /// pipeline's timezone) are flagged; "over a year past due" counts to that day but never past
    /// the last reported period's end.
    static func checkDataQuality(_ results: inout RunResults, _ plan: Plan, _ read: Read, options: RunOptions) {
        let p = plan.pipeline
        results.referenceDay = plan.asOf ?? today(zoneMinutes: p.zoneMinutes)
        results.dataQuality = DataQuality.rows(read.merged, units: results.rollup.units, catalogs: plan.catalogs, rules: p.rules,
                                               referenceDay: results.referenceDay, periodsEnd: plan.periods.last?.to,
                                               reportUnits: p.reportUnits,
                                               threads: options.threads)
    }

    /// The rest of the accounting, from the roll-up, checked (exit 70 if it does not balance).
    static func count(_ accounting: inout Accounting, _ rollup: RollupResult, _ read: Read) throws {
        accounting.dossiers = rollup.tally.dossiers
        accounting.superseded = accounting.accepted - rollup.tally.dossiers
        accounting.inScope = rollup.tally.inScope
        accounting.notReceived = rollup.tally.notReceived
        guard accounting.balances, read.merged.rejectCount == accounting.rejected else {
            throw MotcuaError(.software, "internal invariant broken: accounting does not balance \(accounting); nothing published")
        }
    }

    /// summary.json's content; `rollup` is nil when the run failed before it.
    static func summarize(_ plan: Plan, _ read: Read, _ rollup: RollupResult?, accounting: Accounting, options: RunOptions,
                          started: UInt64) -> SummaryOutput {
        let p = plan.pipeline
        var warnings = plan.listingWarnings + read.outcome.warnings
        // Under `fail` the error says it (and inputs[].corrupt in last-failure/summary.json).
        for (i, c) in read.corrupt.sorted(by: { $0.key < $1.key }) where p.onCorruptInput != .fail {
            warnings.append("\(plan.files[i].relativePath): corrupt input at compressed byte offset \(c.offset) (\(c.reason)); \(p.onCorruptInput == .skip ? "file skipped" : "records before the damage kept")")
        }
        for (key, seen) in read.merged.invalidDates.sorted(by: { ($0.key.file, $0.key.field.rawValue) < ($1.key.file, $1.key.field.rawValue) }) {
            let file = plan.files[Int(key.file)]
            warnings.append(ReadingHints.invalidDates(file: file.relativePath, field: key.field, seen,
                                                      zoneMinutes: p.zoneMinutes, pinned: file.spec.dateForm))
        }
        // Without units.csv a code is known only from the dossiers (with it, an unknown code is a config error).
        if let rollup {
            for code in p.reportUnits ?? [] where rollup.units.indexByCode[code] == nil {
                warnings.append("report_units: no dossier has unit '\(code)' (and there is no units.csv); nothing is reported for it")
            }
        }
        let newest = read.merged.newestDay == noDay ? nil : read.merged.newestDay
        if let w = Staleness.warning(newest: newest, asOf: plan.asOf, periods: plan.periods, pipeline: p) { warnings.append(w) }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        var summary = SummaryOutput(pipeline: p.name, rules: p.rules, periods: plan.periods, inputs: inputReports(plan.files, read, policy: p.onCorruptInput),
                                    accounting: accounting, rejectsByReason: NumberedRejects.byReason(read.merged),
                                    unknownUnits: rollup?.units.unknownCodes ?? [], warnings: warnings, wallSeconds: wall, threads: options.threads)
        summary.newestRecordDay = newest
        summary.dossiersCounted = rollup != nil
        summary.reportUnits = p.reportUnits
        return summary
    }

    /// The output table's files, written at temporary paths of the output directory. A signal
    /// is heard between blocks of rows, sheets and sections.
    static func render(_ results: RunResults, _ plan: Plan) throws -> [(name: String, path: String)] {
        do { return try OutputFiles.render(results, plan.pipeline.outputs, temporaryPath: plan.output.temporaryPath) } catch let e as OutputError {
            plan.output.discard()
            throw MotcuaError(.io, e.message + "; previous outputs kept")
        } catch is Interrupted {
            plan.output.discard()
            throw interrupted
        }
    }

    /// A run that failed after reading: its summary (with the failure) and rejects go to
    /// `last-failure/` beside the untouched outputs, and the error carries the warnings and
    /// names that folder. An interrupted run writes nothing (SPEC §7.2).
    static func explain(_ error: MotcuaError, _ plan: Plan, _ read: Read, _ rollup: RollupResult?, accounting: Accounting,
                        options: RunOptions, started: UInt64, isCancelled: () -> Bool) -> MotcuaError {
        guard error.code != .interrupted, error.code != .terminated, !isCancelled() else { return interrupted }
        var summary = summarize(plan, read, rollup, accounting: accounting, options: options, started: started)
        let notRead = plan.files.indices.filter { !read.outcome.reached[$0] && !read.excluded.contains($0) }
        summary.failure = RunFailure(exitCode: error.code.rawValue, message: error.message,
                                     notRead: notRead.map { plan.files[$0].relativePath })
        var message = error.message
        let output = plan.output
        do {
            let staging = try output.lastFailureStaging()
            try writeRejects(NumberedRejects(read.merged, files: plan.files), to: "\(staging)/rejects.ndjson")
            let file = try SyncedFile(creating: "\(staging)/summary.json")
            try file.write(summary.json())
            try file.sync()
            if isCancelled() {
                output.discard()
                return interrupted
            }
            try output.installLastFailure(staging)
            message += "; this run's summary and rejects: \(output.lastFailurePath)/"
        } catch let e as OutputError {
            output.discard()
            message += "; \(output.lastFailurePath)/ not written: \(e.message)"
        } catch {
            output.discard()
            message += "; \(output.lastFailurePath)/ not written: \(error)"
        }
        var explained = MotcuaError(error.code, message)
        explained.warnings = summary.warnings
        return explained
    }

    /// Before the publish point a signal stops the run, nothing published (SPEC §7.2).
    static func stopIfCancelled(_ isCancelled: () -> Bool) throws {
        if isCancelled() { throw interrupted }
    }

    /// What a run stopped by a signal ends with (130; the command makes SIGTERM's 143).
    static var interrupted: MotcuaError { MotcuaError(.interrupted, "interrupted; nothing published") }

    /// Writes rejects.ndjson beside the rendered files and publishes them all at once.
    static func publish(_ outputs: [(name: String, path: String)], _ plan: Plan, _ read: Read,
                        isCancelled: () -> Bool) throws {
        let rejectsFile = plan.output.temporaryPath("rejects.ndjson")
        do {
            try writeRejects(NumberedRejects(read.merged, files: plan.files), to: rejectsFile, isCancelled: isCancelled)
        } catch let e as OutputError {
            throw MotcuaError(.io, e.message + "; previous outputs kept")
        }
        try stopIfCancelled(isCancelled)
        do {
            try plan.output.publish(outputs + [("rejects.ndjson", rejectsFile)], isCancelled: isCancelled)
        } catch let e as OutputError {
            plan.output.discard()
            throw MotcuaError(.io, e.message + "; previous outputs kept")
        } catch is Interrupted {
            plan.output.discard()
            throw interrupted
        }
    }

    /// rejects.ndjson, streamed to `path` (a temporary file in the output directory) and fsynced;
    /// hundreds of megabytes of rejects take seconds, so a signal is heard between blocks
    /// (`FileSink`): the run's `interrupted` then.
    private static func writeRejects(_ stream: NumberedRejects, to path: String, isCancelled: () -> Bool = { false }) throws {
        var stream = stream
        for log in stream.logs { if let failure = log.failure { throw OutputError(kind: .io, message: failure) } }
        do {
            try withoutActuallyEscaping(isCancelled) { isCancelled in
                let sink = try FileSink(creating: path, isCancelled: isCancelled)
                var buffer: [UInt8] = []
                while let r = stream.next() {
                    SummaryOutput.appendReject(r, to: &buffer)
                    if buffer.count >= 1 << 16 {
                        try sink.write(buffer)
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
                try sink.write(buffer)
                try sink.finish()
            }
        } catch is Interrupted {
            throw interrupted
        }
    }

    private static func inputReports(_ files: [InputFile], _ read: Read, policy: CorruptPolicy) -> [InputReport] {
        files.enumerated().map { i, f in
            var r = InputReport(path: f.relativePath, format: f.spec.format)
            r.compressedBytes = read.outcome.compressedBytes[i]
            r.gzipMembers = read.outcome.members[i]
            r.bytes = read.excluded.contains(i) ? 0 : read.outcome.files[i].bytesKept
            r.counts = read.merged.files[i]
            if let c = read.corrupt[i] { r.corrupt = (c.offset, c.reason, policy) }
            if read.excluded.contains(i), let size = f.sizeOnDisk {
                r.compressedBytes = size
            }
            return r
        }
    }
}

/// Debug log lines with the seconds since the run started, one per phase.
struct PhaseClock {
    let logger: Logger
    let started = DispatchTime.now().uptimeNanoseconds
    /// The wall-clock time the run started (the database's `runs.started_at`).
    let startedDate = Date()
    func mark(_ phase: String, _ metadata: Logger.Metadata = [:]) {
        guard logger.logLevel <= .debug else { return }
        var m = metadata
        m["seconds"] = "\(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)"
        // Where memory goes, phase by phase: resident now and the peak so far, in MiB.
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") || line.hasPrefix("VmHWM:") {
                let kib = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
                m[line.hasPrefix("VmRSS:") ? "rss_mib" : "peak_mib"] = "\(kib / 1024)"
            }
        }
        logger.debug("\(phase)", metadata: m)
    }
}

/// Rejects in input order with 1-based physical line numbers of the decompressed file, read
/// from the workers' logs as they are written out (memory does not grow with their number).
struct NumberedRejects {
    private var merge: RejectMerge
    let logs: [RejectLog]
    private var linesBefore: [Int32: [Int32: Int]] = [:]
    private let paths: [String]

    init(_ merged: PartialResult, files: [InputFile]) {
        var perFile: [Int32: [(Int32, Int)]] = [:]
        for c in merged.chunkLines { perFile[c.file, default: []].append((c.chunk, c.lines)) }
        for (file, chunks) in perFile {
            var running = 0
            var offsets: [Int32: Int] = [:]
            for (chunk, lines) in chunks.sorted(by: { $0.0 < $1.0 }) {
                offsets[chunk] = running
                running += lines
            }
            linesBefore[file] = offsets
        }
        paths = files.map(\.relativePath)
        logs = merged.rejectLogs
        merge = RejectMerge(merged.rejectLogs)
    }

    mutating func next() -> NumberedReject? {
        guard let r = merge.next() else { return nil }
        let before = linesBefore[r.position.file]?[r.position.chunk] ?? 0
        return (paths[Int(r.position.file)], before + Int(r.position.line), r.reason.text, r.excerpt, r.value)
    }

    /// Reasons counted over all logs.
    static func byReason(_ merged: PartialResult) -> [String: Int] {
        var out: [String: Int] = [:]
        for log in merged.rejectLogs { for (r, n) in log.byReason { out[r.text, default: 0] += n } }
        return out
    }
}
