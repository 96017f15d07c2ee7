// The PostgreSQL output (issue 17) behind the run's `DatabaseSink`: `prepare` connects,
// migrates and checks rights before any input is read (exit 69); `write` replaces the rows of
// the run's periods in one transaction — a `runs` row, DELETE of those periods for this pipeline,
// rule set and period kind, COPY of counters and KPIs, the run's rejects — and commits, or rolls
// back and exits 74. Readers see the old rows or the new ones, never half a period.
import MotcuaFoundation
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import MotcuaRun
import Foundation
import PostgresNIO

/// Used by one run, from the thread that runs it: `prepare` then `write`, never at once.
public final class PostgresSink: DatabaseSink, @unchecked Sendable {
    private var target: PostgresTarget?
    private var url: PostgresURL?
    /// The check or the write failed (the metrics file says so).
    package private(set) var failed = false

    public init() {}

    package func prepare(_ target: PostgresTarget, url: PostgresURL, isCancelled: () -> Bool) throws {
        do {
            try blocking(isCancelled: isCancelled) {
                let connection = try await PostgresConnector.connect(url)
                do { try await SchemaMigrations.upgrade(connection, schema: target.schema) } catch {
                    try? await connection.close()
                    throw error
                }
                try await connection.close()
            }
        } catch is Interrupted {
            throw Interrupted()
        } catch let problem as SchemaProblem {
            failed = true
            throw MotcuaError(.unavailable, "PostgreSQL at \(url): \(problem.message); nothing read")
        } catch {
            failed = true
            throw MotcuaError(.unavailable, "PostgreSQL at \(url) is not available: \(PostgresConnector.describe(error)); nothing read")
        }
        (self.target, self.url) = (target, url)
    }

    package func write(_ run: DatabaseRun) throws -> DatabaseFigures {
        guard let target, let url else { preconditionFailure("PostgresSink.write before prepare") }
        let started = DispatchTime.now().uptimeNanoseconds
        var step = "connecting"
        var transaction: ReplacingTransaction?
        do {
            let key = RunKey(pipeline: run.pipeline, rules: run.rules.rawValue, periodKind: run.periodKind.rawValue)
            let header = RunsRow(run)
            let r = run.results
            transaction = try blocking(isCancelled: r.isCancelled) {
                try await ReplacingTransaction.begin(url, schema: target.schema, key: key, run: header)
            }
            let tx = transaction!
            let lead = [key.pipeline, key.rules, key.periodKind], tail = [String(tx.runID)]
            let counters = CountersOutput.copyText(r.rollup.rows, periods: r.periods, units: r.rollup.units, threads: r.threads,
                                                       leading: lead, trailing: tail)
            let kpis = KPIOutput.copyText(r.rollup.kpis, periods: r.periods, units: r.rollup.units, threads: r.threads,
                                              leading: lead, trailing: tail)
            let rejects = r.summary.rejectsByReason.sorted { $0.key < $1.key }
            step = "writing rows"
            let periods = r.periods.map(\.label), reasons = rejects.map(\.key), counts = rejects.map { Int64($0.value) }
            try blocking(untilClosed: tx.connection, isCancelled: r.isCancelled) {
                try await tx.replace(periods: periods, counters: counters, kpis: kpis, rejects: reasons, counts: counts)
            }
            step = "committing"
            // COMMIT is not interrupted: past it, the run completes (Runner).
            try blocking(untilClosed: tx.connection) { try await tx.commit() }
            try? blocking { try await tx.connection.close() }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            return DatabaseFigures(runID: tx.runID,
                                   rows: [("counters", r.rollup.rows.count), ("kpis", r.rollup.kpis.count), ("rejects_by_reason", rejects.count)],
                                   seconds: seconds, destination: "\(url) schema \(target.schema)")
        } catch is Interrupted {
            // Closing the connection makes the server roll the transaction back.
            if let tx = transaction { try? blocking { try await tx.connection.close() } }
            throw Interrupted()
        } catch {
            failed = true
            let cause = PostgresConnector.describe(error)
            // Without the server's answer to COMMIT nobody knows whether it committed.
            if step == "committing", (error as? PSQLError)?.serverInfo == nil, let tx = transaction {
                throw MotcuaError(.io, "PostgreSQL at \(url): the connection broke while committing (\(cause)): whether the database holds this run is unknown (SELECT * FROM \(target.schema).runs WHERE run_id = \(tx.runID)); previous outputs kept")
            }
            if let tx = transaction { try? blocking(untilClosed: tx.connection) { await tx.rollBack() } }
            throw MotcuaError(.io, "PostgreSQL at \(url): \(step) failed: \(cause); the transaction was rolled back, the database is as it was; previous outputs kept")
        }
    }
}

/// What a run replaces: its rows are those of its periods under this pipeline, rule set and period kind.
struct RunKey: Sendable {
    let pipeline: String, rules: String, periodKind: String
}

/// The `runs` table's row of a run (besides the id and finished_at, which the server gives).
struct RunsRow: Sendable {
    let periods: [String]
    let rangeFrom: String?, rangeTo: String?, asOf: String?
    let accounting: [Int]
    let started: Date

    init(_ run: DatabaseRun) {
        let r = run.results
        periods = r.periods.map(\.label)
        rangeFrom = r.periods.first.map { formatDay($0.from) }
        rangeTo = r.periods.last.map { formatDay($0.to) }
        asOf = run.asOf.map(formatDay)
        let a = r.summary.accounting
        accounting = [a.records, a.accepted, a.rejected, a.dossiers, a.superseded, a.inScope, a.notReceived]
        started = run.started
    }
}

/// One run's transaction on its own connection: begun (with its `runs` row), its periods
/// replaced, then committed or rolled back.
struct ReplacingTransaction: Sendable {
    let connection: PostgresConnection
    let key: RunKey
    let runID: Int64
    private var log: Logger { PostgresConnector.driverLogger }

    static func begin(_ url: PostgresURL, schema: String, key: RunKey, run: RunsRow) async throws -> ReplacingTransaction {
        let c = try await PostgresConnector.connect(url)
        let log = PostgresConnector.driverLogger
        do {
            try await c.query("BEGIN", logger: log)
            try await c.query("SET LOCAL search_path TO \(unescaped: quoteIdentifier(schema))", logger: log)
            // Two runs of one pipeline, rule set and kind (two output folders, say) take turns.
            try await c.query("SELECT pg_advisory_xact_lock(hashtext(\("motcua run \(key.pipeline) \(key.rules) \(key.periodKind)")))", logger: log)
            let a = run.accounting
            let rows = try await c.query("""
                INSERT INTO runs (pipeline, rules, period_kind, periods, range_from, range_to, as_of, records, accepted, rejected,
                                  dossiers, superseded, in_scope, not_received, started_at, finished_at, motcua_version)
                VALUES (\(key.pipeline), \(key.rules), \(key.periodKind), \(run.periods), \(run.rangeFrom)::date, \(run.rangeTo)::date,
                        \(run.asOf)::date, \(a[0]), \(a[1]), \(a[2]), \(a[3]), \(a[4]), \(a[5]), \(a[6]), \(run.started), clock_timestamp(),
                        \(motcuaVersion))
                RETURNING run_id
                """, logger: log)
            var id: Int64?
            for try await v in rows.decode(Int64.self) { id = v }
            return ReplacingTransaction(connection: c, key: key, runID: id!)
        } catch {
            try? await c.close()
            throw error
        }
    }

    /// Deletes the periods' rows of this key, then loads the new ones with COPY.
    func replace(periods: [String], counters: CopyTextWindows, kpis: CopyTextWindows, rejects: [String], counts: [Int64]) async throws {
        for table in ["counters", "kpis"] {
            try await connection.query("""
                DELETE FROM \(unescaped: table) WHERE pipeline = \(key.pipeline) AND rules = \(key.rules)
                    AND period_kind = \(key.periodKind) AND period = ANY(\(periods))
                """, logger: log)
        }
        let lead = ["pipeline", "rules", "period_kind"]
        for (table, columns, text) in [("counters", CountersOutput.columns, counters), ("kpis", KPIOutput.columns, kpis)] {
            try await connection.copyFrom(table: table, columns: lead + columns + ["run_id"], logger: log) { writer in
                // Encoded a window at a time, so the rows' text is never whole in memory.
                for w in 0..<text.count {
                    for block in try text.window(w) where !block.isEmpty { try await writer.write(ByteBuffer(bytes: block)) }
                }
            }
        }
        try await connection.query("""
            INSERT INTO rejects_by_reason (run_id, reason, count) SELECT \(runID), * FROM unnest(\(rejects)::text[], \(counts)::bigint[])
            """, logger: log)
        try await connection.query("UPDATE runs SET finished_at = clock_timestamp() WHERE run_id = \(runID)", logger: log)
    }

    func commit() async throws {
        try await connection.query("COMMIT", logger: log)
    }

    /// After a failure: the server rolls back a broken connection's transaction by itself.
    func rollBack() async {
        _ = try? await connection.query("ROLLBACK", logger: log)
        try? await connection.close()
    }
}

/// Runs async client code from the run's synchronous thread (the engine is not async): the
/// thread waits for the task, which runs on the concurrency pool and postgres-nio's event loop.
/// With `untilClosed`, the wait also ends when that connection closes: postgres-nio 1.33.2 can
/// leave a COPY waiting forever on a connection the network has cut (seen in
/// PostgresOutputTests' cut connection), and a run must fail then, not hang. `isCancelled` (a
/// signal, asked every 200 ms) ends it too, with `Interrupted`, closing the connection.
func blocking<T: Sendable>(untilClosed connection: PostgresConnection? = nil, isCancelled: () -> Bool = { false },
                           _ body: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = Outcome<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { outcome.finish(.success(try await body())) } catch { outcome.finish(.failure(error)) }
        done.signal()
    }
    connection?.closeFuture.whenComplete { _ in
        outcome.finish(.failure(ConnectionLost()))
        done.signal()
    }
    while done.wait(timeout: .now() + .milliseconds(200)) == .timedOut {
        if isCancelled() {
            outcome.finish(.failure(Interrupted()))
            let _: EventLoopFuture<Void>? = connection?.close()
            break
        }
    }
    return try outcome.result.get()
}

/// The connection closed under a statement that was still waiting for the server.
struct ConnectionLost: Error, CustomStringConvertible {
    var description: String { "the connection to the server was lost" }
}

/// The first result wins: the task's, or the connection's closing.
private final class Outcome<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Result<T, any Error>?

    func finish(_ result: Result<T, any Error>) {
        lock.withLock { if first == nil { first = result } }
    }

    var result: Result<T, any Error> { lock.withLock { first! } }
}
