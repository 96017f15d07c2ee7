// `motcua run` from end to end: pipeline → inputs → output lock → parallel reduce →
// accounting and limits → rollup → atomic publish. Never prints; the result or a
// `MotcuaError` goes back to the caller.
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
}

public enum Runner {
    public static func run(pipelinePath: String, options: RunOptions, logger: Logger,
                           isCancelled: @escaping () -> Bool = { false }) throws -> RunReport {
        let started = DispatchTime.now().uptimeNanoseconds
        var pipeline: Pipeline
        do { pipeline = try PipelineLoader.load(path: pipelinePath) } catch let e as ConfigErrors {
            throw MotcuaError(.config, e.description)
        }
        if let r = options.rules { pipeline.rules = r }
        if let o = options.outDir { pipeline.outputDir = URL(fileURLWithPath: o).standardizedFileURL.path }
        let periods = try PeriodResolution.resolve(pipeline.periods, options, zoneMinutes: pipeline.zoneMinutes)
        var issues: [ConfigIssue] = []
        let catalogs = Catalogs.load(unitsPath: pipeline.unitsPath, proceduresPath: pipeline.proceduresPath, issues: &issues)
        if !issues.isEmpty { throw MotcuaError(.config, ConfigErrors(issues: issues).description) }
        let files = try InputSet.resolve(pipeline)
        let output: OutputDirectory
        do { output = try OutputDirectory(path: pipeline.outputDir) } catch let e as OutputError {
            throw MotcuaError(e.kind == .locked ? .locked : .cantCreate, e.message)
        }
        logger.info("reading \(files.count) input files", metadata: ["pipeline": "\(pipeline.name)", "threads": "\(options.threads)"])

        // Corrupt files under `skip` are left out entirely: read again without them.
        var excluded = Set<Int>()
        var corrupt: [Int: CorruptInput] = [:]
        var outcome: ReduceOutcome
        while true {
            var reduce = ParallelReduce(
                files: files, excluded: excluded, threads: max(1, options.threads), maxLineBytes: pipeline.maxLineBytes,
                chunkBytes: options.chunkBytes,
                dates: { DateTimeParser(zoneMinutes: pipeline.zoneMinutes, pinned: $0.dateForm) },
                policy: pipeline.onCorruptInput, isCancelled: isCancelled)
            reduce.progress = options.progress
            reduce.inflater = options.inflater
            reduce.spillDirectory = output.path
            do { outcome = try reduce.run() } catch is Interrupted {
                throw MotcuaError(.interrupted, "interrupted; nothing published")
            }
            for (i, r) in outcome.files.enumerated() { if let c = r.corrupt { corrupt[i] = c } }
            guard let skip = outcome.skipped else { break }
            logger.info("reading again without corrupt input \(files[skip].relativePath)")
            excluded.insert(skip)
        }

        let merged = outcome.merged
        logger.debug("read and reduced", metadata: ["drain": "\(outcome.timing.drain)", "merge": "\(outcome.timing.merge)", "seconds": "\(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)"])
        let inputs = inputReports(files, outcome, merged, corrupt: corrupt, policy: pipeline.onCorruptInput, excluded: excluded)
        var accounting = Accounting()
        for f in merged.files {
            accounting.records += f.records
            accounting.accepted += f.accepted
            accounting.rejected += f.rejected
        }
        let byReason = NumberedRejects.byReason(merged)

        let rollup: RollupResult
        do {
            rollup = try Rollup.build(merged, catalogs: catalogs, periods: periods, rules: pipeline.rules,
                                      bySector: pipeline.breakdownBySector, targets: pipeline.targets,
                                      formII06a: pipeline.formII06a, threads: options.threads)
        } catch let e as InvariantBroken {
            throw MotcuaError(.software, "internal invariant broken: \(e.message); nothing published")
        }
        logger.debug("rolled up", metadata: ["seconds": "\(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)"])
        accounting.dossiers = rollup.tally.dossiers
        accounting.superseded = accounting.accepted - rollup.tally.dossiers
        accounting.inScope = rollup.tally.inScope
        accounting.notReceived = rollup.tally.notReceived
        guard accounting.balances, merged.rejectCount == accounting.rejected else {
            throw MotcuaError(.software, "internal invariant broken: accounting does not balance \(accounting); nothing published")
        }
        let rate = accounting.records == 0 ? 0 : Double(accounting.rejected) / Double(accounting.records)
        if rate > pipeline.maxRejectRate {
            var stream = NumberedRejects(merged, files: files)
            let first = (0..<3).compactMap { _ in stream.next() }.map { "\($0.file):\($0.line): \($0.reason)" }.joined(separator: "; ")
            throw MotcuaError(.data, "\(accounting.rejected) of \(accounting.records) records rejected (\(fixed(rate * 100, 2))%), above max_reject_rate \(pipeline.maxRejectRate); nothing published. First: \(first)")
        }

        var warnings = outcome.warnings
        for (i, c) in corrupt.sorted(by: { $0.key < $1.key }) {
            warnings.append("\(files[i].relativePath): corrupt input at compressed byte offset \(c.offset) (\(c.reason)); \(pipeline.onCorruptInput == .skip ? "file skipped" : "records before the damage kept")")
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let summary = SummaryOutput(pipeline: pipeline.name, rules: pipeline.rules, periods: periods, inputs: inputs,
                                    accounting: accounting, rejectsByReason: byReason, unknownUnits: rollup.units.unknownCodes,
                                    warnings: warnings, wallSeconds: wall, threads: options.threads)
        // Each file's rows are encoded in slices side by side on --threads.
        let threads = options.threads
        var outputs: [(name: String, bytes: [UInt8])] = []
        if pipeline.formats.contains(.csv) {
            outputs.append(("counters.csv", CountersOutput.csv(rollup.rows, periods: periods, units: rollup.units, threads: threads)))
        }
        if pipeline.formats.contains(.json) {
            outputs.append(("counters.json", CountersOutput.json(rollup.rows, periods: periods, units: rollup.units, threads: threads)))
        }
        if pipeline.formats.contains(.csv) {
            outputs.append(("kpis.csv", KPIOutput.csv(rollup.kpis, periods: periods, units: rollup.units, threads: threads)))
        }
        if pipeline.formats.contains(.json) {
            outputs.append(("kpis.json", KPIOutput.json(rollup.kpis, periods: periods, units: rollup.units, threads: threads)))
        }
        if pipeline.formII06a {
            var sectorNames: [String: String] = [:]
            for r in catalogs.procedures where sectorNames[r.sector] == nil && !r.sectorName.isEmpty { sectorNames[r.sector] = r.sectorName }
            outputs.append(("bieu-ii06a.csv", FormII06aOutput.csv(rollup.formRows, periods: periods, units: rollup.units,
                                                                  sectorNames: sectorNames)))
        }
        logger.debug("rendered", metadata: ["seconds": "\(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)"])
        let rejectsFile: String
        do { rejectsFile = try writeRejects(NumberedRejects(merged, files: files), into: output) } catch let e as OutputError {
            throw MotcuaError(.io, e.message + "; previous outputs kept")
        }
        outputs.append(("summary.json", summary.json()))
        if isCancelled() { throw MotcuaError(.interrupted, "interrupted; nothing published") }
        do { try output.publish(outputs, moving: [("rejects.ndjson", rejectsFile)]) } catch let e as OutputError {
            output.discard()
            throw MotcuaError(.io, e.message + "; previous outputs kept")
        }
        logger.debug("published", metadata: ["seconds": "\(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)"])
        return RunReport(outputDir: pipeline.outputDir, accounting: accounting, rejectsByReason: byReason,
                         warnings: warnings, periods: periods.map(\.label), rows: rollup.rows.count, wallSeconds: wall,
                         pipeline: pipeline.name, compressedBytes: inputs.reduce(0) { $0 + $1.compressedBytes },
                         bytes: inputs.reduce(0) { $0 + $1.bytes }, unknownUnits: rollup.units.unknownCodes)
    }

    /// rejects.ndjson, streamed to a temporary file in the output directory.
    private static func writeRejects(_ stream: NumberedRejects, into output: OutputDirectory) throws -> String {
        var stream = stream
        for log in stream.logs { if let failure = log.failure { throw OutputError(kind: .io, message: failure) } }
        let path = output.temporaryPath("rejects.ndjson")
        let file = try SyncedFile(creating: path)
        var buffer: [UInt8] = []
        while let r = stream.next() {
            SummaryOutput.appendReject(r, to: &buffer)
            if buffer.count >= 1 << 20 {
                try file.write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try file.write(buffer)
        try file.sync()
        return path
    }

    private static func inputReports(_ files: [InputFile], _ outcome: ReduceOutcome, _ merged: PartialResult,
                                     corrupt: [Int: CorruptInput], policy: CorruptPolicy, excluded: Set<Int>) -> [InputReport] {
        files.enumerated().map { i, f in
            var r = InputReport(path: f.relativePath, format: f.spec.format)
            r.compressedBytes = outcome.compressedBytes[i]
            r.gzipMembers = outcome.members[i]
            r.bytes = excluded.contains(i) ? 0 : outcome.files[i].bytesKept
            r.counts = merged.files[i]
            if let c = corrupt[i] { r.corrupt = (c.offset, c.reason, policy) }
            if excluded.contains(i), let size = f.sizeOnDisk {
                r.compressedBytes = size
            }
            return r
        }
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

    mutating func next() -> (file: String, line: Int, reason: String, excerpt: [UInt8])? {
        guard let r = merge.next() else { return nil }
        let before = linesBefore[r.position.file]?[r.position.chunk] ?? 0
        return (paths[Int(r.position.file)], before + Int(r.position.line), r.reason.text, r.excerpt)
    }

    /// Reasons counted over all logs.
    static func byReason(_ merged: PartialResult) -> [String: Int] {
        var out: [String: Int] = [:]
        for log in merged.rejectLogs { for (r, n) in log.byReason { out[r.text, default: 0] += n } }
        return out
    }
}
