// motcua's tables in the target schema (issue 17): created on first use and upgraded by the
// numbered migrations of `Migrations/` (compiled into the module), each applied once in one
// transaction with its row in `schema_version`; then the rights a write needs are checked. All
// of it before any input is read, so a run that cannot write its database never reads.
import MotcuaFoundation
import MotcuaOutput
import PostgresNIO

enum SchemaMigrations {
    /// Every migration, in order: its number is its position. A change of the tables is a new
    /// file and a new line here, never an edit of an applied one.
    static let all: [(version: Int, sql: [UInt8])] = [
        (1, PackageResources.m0001_tables_sql),
    ]

    /// The tables a run writes, with the rights it needs on each (DELETE and RETURNING read rows too).
    static let tableRights: [(table: String, privileges: String)] = [
        ("runs", "SELECT, INSERT, UPDATE"), ("counters", "SELECT, INSERT, DELETE"), ("kpis", "SELECT, INSERT, DELETE"),
        ("rejects_by_reason", "INSERT"),
    ]

    /// Brings `schema` up to the newest migration, then checks rights and columns. Throws
    /// `SchemaProblem` for what the server allows but motcua cannot work with, PSQLError for the rest.
    static func upgrade(_ connection: PostgresConnection, schema: String) async throws {
        let quoted = quoteIdentifier(schema)
        let log = PostgresConnector.driverLogger
        try await connection.query("BEGIN", logger: log)
        do {
            // Two first runs at once: the second waits, then finds the tables made.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("motcua migrations " + schema)))", logger: log)
            // Created only when missing: a role with rights on the tables but not CREATE on the
            // database is then enough for every run after the first.
            if try await connection.query("SELECT 1 FROM pg_namespace WHERE nspname = \(schema)", logger: log).collect().isEmpty {
                try await connection.query("CREATE SCHEMA \(unescaped: quoted)", logger: log)
            }
            if try await isMissing(connection, "\(quoted).schema_version") {
                try await connection.query("""
                    CREATE TABLE \(unescaped: quoted).schema_version (
                        version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now(), motcua_version text NOT NULL)
                    """, logger: log)
            }
            var current = 0
            for try await v in try await connection.query("SELECT coalesce(max(version), 0) FROM \(unescaped: quoted).schema_version", logger: log).decode(Int.self) {
                current = v
            }
            let newest = all.last!.version
            if current > newest {
                throw SchemaProblem(message: "schema \(schema) is at version \(current), newer than this motcua's tables (version \(newest)): use a newer motcua, or another schema")
            }
            try await connection.query("SET LOCAL search_path TO \(unescaped: quoted)", logger: log)
            for migration in all where migration.version > current {
                for statement in statements(migration.sql) { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: log) }
                try await connection.query("INSERT INTO schema_version (version, motcua_version) VALUES (\(migration.version), \(motcuaVersion))", logger: log)
            }
            try await connection.query("COMMIT", logger: log)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: log)
            throw error
        }
        try await checkRights(connection, schema: schema)
        try await checkColumns(connection, schema: schema)
    }

    /// Each table's privileges for the connected role, named when one lacks.
    static func checkRights(_ connection: PostgresConnection, schema: String) async throws {
        let log = PostgresConnector.driverLogger
        var missing: [String] = []
        for (table, privileges) in tableRights {
            let name = "\(quoteIdentifier(schema)).\(table)"
            for privilege in privileges.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                for try await ok in try await connection.query("SELECT has_table_privilege(\(name), \(privilege))", logger: log).decode(Bool.self) where !ok {
                    missing.append("\(privilege) on \(schema).\(table)")
                }
            }
        }
        for try await ok in try await connection.query("SELECT has_schema_privilege(\(schema), 'USAGE')", logger: log).decode(Bool.self) where !ok {
            missing.insert("USAGE on schema \(schema)", at: 0)
        }
        if !missing.isEmpty {
            var user = "the role"
            for try await u in try await connection.query("SELECT current_user::text", logger: log).decode(String.self) { user = "role \(u)" }
            throw SchemaProblem(message: "\(user) lacks \(missing.joined(separator: ", ")) (GRANT them, or connect as the tables' owner)")
        }
    }

    /// counters and kpis have every column of counters.csv and kpis.csv (a release that adds a
    /// column ships the migration that adds it; this names the gap if one is missing).
    static func checkColumns(_ connection: PostgresConnection, schema: String) async throws {
        for (table, columns) in [("counters", CountersOutput.columns), ("kpis", KPIOutput.columns)] {
            var present = Set<String>()
            let rows = try await connection.query(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = \(schema) AND table_name = \(table)",
                logger: PostgresConnector.driverLogger)
            for try await name in rows.decode(String.self) { present.insert(name) }
            let lacking = columns.filter { !present.contains($0) }
            if !lacking.isEmpty {
                throw SchemaProblem(message: "table \(schema).\(table) lacks the column(s) \(lacking.joined(separator: ", ")) of \(table).csv")
            }
        }
    }

    static func isMissing(_ connection: PostgresConnection, _ qualifiedName: String) async throws -> Bool {
        for try await exists in try await connection.query("SELECT to_regclass(\(qualifiedName)) IS NOT NULL", logger: PostgresConnector.driverLogger).decode(Bool.self) {
            return !exists
        }
        return true
    }

    /// A migration file's statements: each ends with `;` at the end of a line; `--` comment lines
    /// are dropped (the extended protocol takes one statement at a time).
    static func statements(_ sql: [UInt8]) -> [String] {
        var out: [String] = [], current: [Substring] = []
        for line in String(decoding: sql, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") || (trimmed.isEmpty && current.isEmpty) { continue }
            current.append(line)
            if trimmed.hasSuffix(";") {
                out.append(current.joined(separator: "\n"))
                current = []
            }
        }
        return out
    }
}

/// The schema as motcua cannot use it: too new, rights or columns missing.
struct SchemaProblem: Error {
    let message: String
}

/// `"name"`, with `"` doubled.
func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
