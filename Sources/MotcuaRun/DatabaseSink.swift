// The seam between a run and a database it also writes (issue 17, `outputs.postgres`). The
// engine knows only this protocol; the command line fills it with the PostgreSQL client
// (MotcuaPostgres), so no engine room depends on a database driver. Where the two calls sit in
// a run (Runner): `prepare` at the end of resolve, before any input is read; `write` after the
// files are rendered and before anything is published, committed before the files move in.
import MotcuaFoundation
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import Foundation

package protocol DatabaseSink: AnyObject, Sendable {
    /// Connects, brings the tables up to date (numbered migrations) and checks the rights the
    /// write needs. Throws `MotcuaError` 69 (unavailable) naming the host and the server's message,
    /// or `Interrupted` when `isCancelled` says so while it waits for the server.
    func prepare(_ target: PostgresTarget, url: PostgresURL, isCancelled: () -> Bool) throws
    /// Replaces the rows of the run's periods in one transaction and commits it. On a failure the
    /// transaction is rolled back and a `MotcuaError` 74 is thrown: the database is as it was. A
    /// signal before COMMIT (`results.isCancelled`) rolls back too and throws `Interrupted`.
    func write(_ run: DatabaseRun) throws -> DatabaseFigures
}

/// What the database is given: the rendered results and what the `runs` table says of the run.
package struct DatabaseRun {
    package var results: RunResults
    package var pipeline: String
    package var rules: RuleSet
    package var periodKind: PeriodKind
    package var asOf: Int32?
    package var started: Date
}

/// What a committed write put in the database (the metrics file and the log say it).
package struct DatabaseFigures: Sendable {
    package var runID: Int64
    /// Rows written, by table: counters, kpis, rejects_by_reason.
    package var rows: [(table: String, count: Int)]
    package var seconds: Double
    /// Where, for the log: host:port/database and the schema.
    package var destination: String

    package init(runID: Int64, rows: [(table: String, count: Int)], seconds: Double, destination: String) {
        (self.runID, self.rows, self.seconds, self.destination) = (runID, rows, seconds, destination)
    }
}

/// The database's part of a finished run, for the metrics file.
package enum DatabaseOutcome: Sendable {
    case written(DatabaseFigures)
    /// Unavailable before reading (69) or a write rolled back (74).
    case failed
}
