// `motcua run PIPELINE`: the main job (SPEC §7.1).
import ArgumentParser
import Dispatch
import Foundation
import Logging
import CMotcuaSystem
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import MotcuaRun
import MotcuaGenerate
import MotcuaPostgres

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Read a pipeline's exports and write counters, summary and rejects.",
        discussion: """
        Examples:
          motcua run pipelines/sample.yaml
          motcua run pipelines/sample.yaml --kind quarter --period 2024-Q1 --out /tmp/q1
          motcua run pipelines/sample.yaml --from 2024-03-01 --to 2024-03-31 --as-of 2024-03-15

        Writes counters.csv/.json, kpis.csv/.json, summary.json and rejects.ndjson; with
        outputs.form_ii06a: true bieu-ii06a.csv, with outputs.form_ii06a_xlsx: true bieu-ii06a.xlsx
        (Bieu II.06a to print and sign, a sheet per unit and period). outputs.form_scope (own or
        subtree) is what both forms count; report_units: [codes] limits every output to those
        units and the units below them. With outputs.report: true, report.html: one page to read
        and print (A4 landscape) - KPI tiles against targets, rankings per tier, trends, data quality.
        With outputs.data_quality: true, data-quality.csv/.json (in outputs.formats) list per unit the
        dossiers that are valid but suspicious (done without NgayTra, dates after --as-of or today, a
        status that went back ...) and the rejects.

        With outputs.postgres (or --postgres URL) the counters, KPIs, the run and its rejects also go \
        to PostgreSQL tables (made on first use), replacing in one transaction the rows of the periods \
        the run computed; the password comes from PGPASSWORD or ~/.pgpass. The connection, tables and \
        rights are checked before any input is read (exit 69, naming the host and the server's \
        message); the transaction commits before the files are published, and a failure while writing \
        rolls it back and exits 74 with the previous files kept.

        A run that fails after reading prints its warnings (even with --quiet) and leaves its summary.json (with the failure) and rejects.ndjson in OUT/last-failure/; the published outputs are not touched, and the next successful run removes the folder. A run warns when its newest record is more than limits.max_staleness_days (3) days older than --as-of (or today, but never after the last period's end).
        """)

    @Argument(help: "Pipeline file (YAML).") var pipeline: String
    @Option(help: "First day of the range (yyyy-MM-dd).") var from: String?
    @Option(help: "Last day of the range (yyyy-MM-dd).") var to: String?
    @Option(help: "One period by its label, e.g. 2024-Q1, 2024-03, 2024-W10.") var period: String?
    @Option(help: ArgumentHelp("Period kind: \(PeriodKind.allCases.map(\.rawValue).joined(separator: ", ")).")) var kind: String?
    @Option(name: .customLong("as-of"), help: "Cut periods at this date (yyyy-MM-dd, today or yesterday); they are marked partial.") var asOf: String?
    @Option(help: "Rule set: tt01 or qd766.") var rules: String?
    @Option(help: "Output directory (overrides outputs.dir).") var out: String?
    @Option(help: "Keep a state here between runs (overrides the pipeline's state): files already taken in are not read again.") var state: String?
    @Flag(name: .customLong("full-refresh"), help: "Read every input file again and rebuild the state.") var fullRefresh = false
    @Option(help: "Threads in all: one file is read on one of them and parsed on all; several files are read N at a time.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Gzip inflater: \(InflaterKind.available.map(\.rawValue).joined(separator: " or ")) (default \(InflaterKind.preferred.rawValue)).") var inflater: String?
    @Option(name: .customLong("chunk-bytes"), help: .hidden) var chunkBytes: Int?
    @Flag(help: "Show progress on stderr.") var progress = false
    @Flag(help: "Print errors only.") var quiet = false
    @Option(name: .customLong("log-format"), help: "Logs on stderr as text or json.") var logFormat = LogFormat.text
    @Option(help: ArgumentHelp("Also write the results to this PostgreSQL database (overrides the URL of outputs.postgres, keeps its schema; default schema motcua).", valueName: "url")) var postgres: String?
    @Option(name: .customLong("metrics-file"), help: "Write the run's figures here in the Prometheus text format (node_exporter textfile collector), with motcua_newest_record_timestamp_seconds for staleness alerts.") var metricsFile: String?

    func options() throws -> RunOptions {
        var o = RunOptions()
        func day(_ s: String?, _ name: String) throws -> Int32? {
            guard let s else { return nil }
            guard let d = parseDay(s) else { throw MotcuaError(.usage, "--\(name) '\(s)' is not a date yyyy-MM-dd") }
            return d
        }
        o.from = try day(from, "from")
        o.to = try day(to, "to")
        if period != nil && (from != nil || to != nil) { throw MotcuaError(.usage, "--period cannot be combined with --from/--to") }
        o.periodLabel = period
        if let k = kind {
            guard let pk = PeriodKind(rawValue: k) else { throw MotcuaError(.usage, "--kind '\(k)' is not a period kind") }
            o.kind = pk
        }
        if let a = asOf {
            switch a {
            case "today": o.asOfDaysFromToday = 0
            case "yesterday": o.asOfDaysFromToday = -1
            default:
                guard let d = parseDay(a) else { throw MotcuaError(.usage, "--as-of '\(a)' is not a date yyyy-MM-dd, today or yesterday") }
                o.asOf = d
            }
        }
        if let r = rules {
            guard let rs = RuleSet(rawValue: r) else { throw MotcuaError(.usage, "--rules '\(r)' is not tt01 or qd766") }
            o.rules = rs
        }
        // An empty --out would quietly mean the current directory.
        if let out, out.trimmingCharacters(in: .whitespaces).isEmpty { throw MotcuaError(.usage, "--out is empty: name the output directory") }
        o.outDir = out
        if let state, state.trimmingCharacters(in: .whitespaces).isEmpty { throw MotcuaError(.usage, "--state is empty: name the state directory") }
        o.statePath = state
        o.fullRefresh = fullRefresh
        guard threads >= 1 && threads <= 256 else { throw MotcuaError(.usage, "--threads must be between 1 and 256") }
        o.threads = threads
        if let i = inflater {
            guard let kind = InflaterKind(rawValue: i), InflaterKind.available.contains(kind) else {
                throw MotcuaError(.usage, "--inflater '\(i)' is not available here (\(InflaterKind.available.map(\.rawValue).joined(separator: ", ")))")
            }
            o.inflater = kind
        }
        if let c = chunkBytes {
            guard c >= 1 else { throw MotcuaError(.usage, "--chunk-bytes must be positive") }
            o.chunkBytes = c
        }
        if let postgres {
            switch PostgresURL.parse(postgres) {
            case .failure(let problem): throw MotcuaError(.usage, "--postgres '\(postgres)' is not a database URL: \(problem.reason)")
            case .success(let url) where url.password != nil:
                // Every user of the machine can read a command line (ps).
                throw MotcuaError(.usage, "--postgres: the URL has a password; give it in PGPASSWORD or ~/.pgpass instead")
            case .success(let url): o.postgresURL = url
            }
        }
        return o
    }

    func run() throws {
        try execute { options, logger, isCancelled in
            try Runner.run(pipelinePath: pipeline, options: options, logger: logger, isCancelled: isCancelled)
        }
    }

    /// Runs `step` with these options (also `motcua finish`'s and `map`'s): progress, the
    /// metrics file checked first and written last, signals, the closing log lines, exit codes.
    func execute(map: Bool = false, _ step: (RunOptions, Logger, @escaping () -> Bool) throws -> RunReport) throws {
        let logger = makeLogger(quiet: quiet, format: logFormat)
        let opts: RunOptions
        do { opts = try options() } catch let e as MotcuaError { exitWith(e) }
        var opts2 = opts
        let database = PostgresSink()
        opts2.database = database
        if !quiet && logFormat == .text && (progress || isatty(STDERR_FILENO) != 0) {
            opts2.progress = ProgressLine(terminal: isatty(STDERR_FILENO) != 0).show
        }
        if let m = metricsFile {
            // Checked first: a run whose metrics cannot be written must not publish and then fail.
            let dir = (URL(fileURLWithPath: m).deletingLastPathComponent().path)
            var isDirectory: ObjCBool = false
            if m.isEmpty || (FileManager.default.fileExists(atPath: m, isDirectory: &isDirectory) && isDirectory.boolValue) {
                exitWith(MotcuaError(.usage, "--metrics-file '\(m)' is a directory, not a file"))
            }
            guard access(dir, W_OK) == 0 else { exitWith(MotcuaError(.cantCreate, "\(m): the metrics file's directory \(dir) is not writable")) }
        }
        Interruption.install()
        let started = Date()
        do {
            let report = try step(opts2, logger, { Interruption.signal != 0 })
            if opts2.progress != nil && isatty(STDERR_FILENO) != 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            writeMetrics(report: report, status: 0, since: started, database: report.database.map(DatabaseOutcome.written), logger: logger)
            if Interruption.signal != 0 {
                // Past the publish point the run completes: its outputs are whole, and it says so.
                logger.warning("signal \(Interruption.signal) received after the outputs were published: they are complete; exiting 0")
            }
            let a = report.accounting
            if map {
                logger.notice("\(report.pipeline): map: records \(a.records) = accepted \(a.accepted) + rejected \(a.rejected); dossiers \(a.dossiers); written to \(report.outputDir)")
                return
            }
            logger.notice("\(report.pipeline): records \(a.records) = accepted \(a.accepted) + rejected \(a.rejected); dossiers \(a.dossiers) (in scope \(a.inScope), not received \(a.notReceived), superseded \(a.superseded))")
            if !report.rejectsByReason.isEmpty {
                logger.notice("rejects: \(report.rejectsByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
            }
            for w in report.warnings { logger.warning("\(w)") }
            if !report.unknownUnits.isEmpty {
                logger.notice("\(report.unknownUnits.count) unit(s) not in units.csv, counted as roots of tier unknown: \(report.unknownUnits.prefix(5).joined(separator: ", "))\(report.unknownUnits.count > 5 ? ", …" : "") (summary.json lists them)")
            }
            let p = report.periods
            let periods = p.count <= 6 ? p.joined(separator: ", ") : "\(p.count) periods \(p.first!) … \(p.last!)"
            if let st = report.state {
                let rebuilt = st.rebuilt.map { "; rebuilt: \($0)" } ?? ""
                logger.notice("state: generation \(st.generation), \(st.filesRead) file\(st.filesRead == 1 ? "" : "s") read, \(st.filesSkipped) already taken in, \(st.dossiers) dossiers\(rebuilt)")
            }
            if let db = report.database {
                let rows = db.rows.map { "\($0.count) \($0.table)" }.joined(separator: ", ")
                logger.notice("database: \(rows) rows written to \(db.destination) as run_id \(db.runID) in \(String(format: "%.2f", db.seconds)) s")
            }
            logger.notice("\(report.pipeline): \(report.rows) rows for \(p.isEmpty ? "no period" : periods) written to \(report.outputDir) in \(String(format: "%.2f", report.wallSeconds)) s")
        } catch let e as MotcuaError {
            let err = e.code == .interrupted && Interruption.signal == SIGTERM ? MotcuaError(.terminated, e.message) : e
            writeMetrics(report: nil, status: err.code.rawValue, since: started, database: database.failed ? .failed : nil, logger: logger)
            exitWith(err)
        }
    }

    /// Writes the metrics file after the run. It was checked before reading; should writing it
    /// still fail, a published run stays a success (exit 0, the error logged): nothing after the
    /// publish point may turn it into a failure, and "previous outputs kept" would be false.
    func writeMetrics(report: RunReport?, status: Int32, since: Date, database: DatabaseOutcome?, logger: Logger) {
        guard let path = metricsFile else { return }
        // A failed run's figures go under the pipeline's name too (its file's name when it cannot be loaded).
        let name = report?.pipeline ?? (try? PipelineLoader.load(path: pipeline))?.name
            ?? URL(fileURLWithPath: pipeline).deletingPathExtension().lastPathComponent
        do {
            try MetricsFile.write(path: path, pipeline: name, report: report, exitStatus: status, seconds: Date().timeIntervalSince(since),
                                  database: database)
        } catch {
            let message = (error as? OutputError)?.message ?? "\(path): \(error)"
            logger.error("metrics not written: \(message)\(report != nil ? " (the outputs were published)" : "")")
        }
    }
}

/// SIGINT/SIGTERM set a flag; the run stops reading, cleans up and exits 130/143.
enum Interruption {
    /// The signal received, 0 while none (an atomic: set on the signal queue, polled by readers).
    static var signal: Int32 { motcua_interrupt() }
    // Unsafe but sound: appended only by install(), on the main thread before the run starts; never read.
    nonisolated(unsafe) static var sources: [DispatchSourceSignal] = []

    static func install() {
        for sig in [SIGINT, SIGTERM] {
            Foundation.signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { motcua_set_interrupt(sig) }
            s.resume()
            sources.append(s)
        }
    }
}

/// Progress on stderr: redrawn in place on a terminal, a plain line every few seconds otherwise.
struct ProgressLine: Sendable {
    let terminal: Bool

    @Sendable func show(_ p: RunProgress) {
        let mb = Double(p.bytesDone) / 1e6
        let rate = p.seconds > 0 ? mb / p.seconds : 0
        let fraction = p.compressedTotal > 0 ? Double(p.compressedDone) / Double(p.compressedTotal) : 0
        let eta = fraction > 0 ? p.seconds * (1 - fraction) / fraction : 0
        let text = String(format: "%5.1f%%  %.0f MB read  %.0f MB/s  ETA %d:%02d",
                          fraction * 100, mb, rate, Int(eta) / 60, Int(eta) % 60)
        if terminal {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        } else if Int(p.seconds * 2) % 10 == 0 {
            FileHandle.standardError.write(Data("progress: \(text)\n".utf8))
        }
    }
}
