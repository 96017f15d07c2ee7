// `outputs.postgres` end to end (issue 17), against a real PostgreSQL 15 (ThrowawayCluster):
// the rows equal the CSV files cell for cell; re-running a period replaces it; other periods
// stay; a server down before the run is exit 69 with nothing read; a connection cut in the middle
// of the write is exit 74 with the database and the published files as they were; missing
// rights are named; GUIDE.md's dashboard queries run. Each test writes its own schema.
import Foundation
import MotcuaTestSupport
import XCTest

final class PostgresOutputTests: XCTestCase {
    /// Generated once for the class: a small province, January to March 2024.
    nonisolated(unsafe) static var data: URL?

    var cluster: ThrowawayCluster!
    var dir: URL!

    override class func setUp() {
        super.setUp()
        guard !ThrowawayCluster.skipped, let d = try? Harness.scratch("pg-data") else { return }
        let r = try? Harness.run(["generate", "--out", d.path, "--units", "30", "--days", "90", "--dossiers-per-day", "50",
                                  "--start", "2024-01-01", "--seed", "17", "--quiet"])
        if r?.status == 0 { data = d }
    }

    override class func tearDown() {
        ThrowawayCluster.destroyShared()
        if let d = data { try? FileManager.default.removeItem(at: d) }
        super.tearDown()
    }

    override func setUpWithError() throws {
        if ThrowawayCluster.skipped { throw XCTSkip("MOTCUA_SKIP_POSTGRES=1: the PostgreSQL output's tests are skipped") }
        do { cluster = try ThrowawayCluster.sharedCluster() } catch {
            XCTFail("\(error)")
            throw error
        }
        let data = try XCTUnwrap(Self.data, "motcua generate failed in the class setUp")
        dir = try Harness.scratch("pg-run")
        for item in ["exports", "catalogs"] {
            try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent(item), withDestinationURL: data.appendingPathComponent(item))
        }
    }

    override func tearDownWithError() throws {
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    /// A pipeline writing `schema` (and the files to `out`), pipeline name `province`.
    func pipeline(schema: String, postgres: String? = nil) throws -> String {
        let target = postgres ?? "{ url: \"\(cluster.url())\", schema: \(schema) }"
        let yaml = """
        version: 1
        name: province
        inputs:
          - format: dvcqg-ndjson
            paths: ["exports/*.ndjson.gz"]
        catalogs: { units: catalogs/units.csv, procedures: catalogs/procedures.csv }
        periods: { kind: month, period: 2024-02 }
        breakdown: [sector]
        targets:
          - { kpi: on_time_rate, min: 0.95 }
          - { kpi: online_rate, min: 0.30 }
        outputs: { dir: out, formats: [csv, json], postgres: \(target) }
        """
        try yaml.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        return "p.yaml"
    }

    @discardableResult
    func run(_ args: [String], environment: [String: String]? = nil, expect status: Int32 = 0) throws -> ProcessResult {
        let r = try Harness.run(["run", "p.yaml"] + args, in: dir, environment: environment ?? cluster.runEnvironment)
        XCTAssertEqual(r.status, status, r.stderr)
        return r
    }

    func count(_ schema: String, _ table: String, _ condition: String = "true") throws -> Int {
        Int(try cluster.psql("SELECT count(*) FROM \(schema).\(table) WHERE \(condition)").trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    /// A table's rows as the CSV file writes them: its columns in the file's order, booleans as
    /// true/false, NULL as an empty cell; sorted, with the header first.
    func tableAsCSV(_ schema: String, _ table: String, columns: [String], period: String) throws -> [[String]] {
        let select = columns.map { ["partial", "met"].contains($0) ? "\($0)::text AS \($0)" : "\"\($0)\"" }.joined(separator: ", ")
        let rows = try cluster.csvRows("SELECT \(select) FROM \(schema).\(table) WHERE pipeline = 'province' AND period = '\(period)'")
        return [rows[0]] + rows.dropFirst().sorted { $0.lexicographicallyPrecedes($1) }
    }

    func fileAsCSV(_ name: String) throws -> [[String]] {
        let rows = parseCSV(try String(contentsOf: dir.appendingPathComponent("out/\(name)"), encoding: .utf8))
        return [rows[0]] + rows.dropFirst().sorted { $0.lexicographicallyPrecedes($1) }
    }

    func testRowsEqualTheCSVFilesCellForCell() throws {
        _ = try pipeline(schema: "cells")
        try run([])
        for table in ["counters", "kpis"] {
            let file = try fileAsCSV("\(table).csv")
            XCTAssertGreaterThan(file.count, 100, table)
            XCTAssertEqual(try tableAsCSV("cells", table, columns: file[0], period: "2024-02"), file, table)
        }
        // The runs row carries the accounting of summary.json, and rejects_by_reason its reasons.
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/summary.json"))) as! [String: Any]
        let accounting = summary["accounting"] as! [String: Int]
        let runs = try cluster.psql("SELECT records, accepted, rejected, dossiers, superseded, in_scope, not_received, period_kind, periods, range_from, range_to FROM cells.runs")
        let expected = ["records", "accepted", "rejected", "dossiers", "superseded", "in_scope", "not_received"].map { "\(accounting[$0]!)" }
        XCTAssertEqual(runs.trimmingCharacters(in: .newlines), (expected + ["month", "{2024-02}", "2024-02-01", "2024-02-29"]).joined(separator: "|"))
        let reasons = summary["rejects_by_reason"] as! [String: Int]
        XCTAssertFalse(reasons.isEmpty, "the generated exports have rejects")
        let stored = try cluster.psql("SELECT reason || '=' || count FROM cells.rejects_by_reason ORDER BY reason")
        XCTAssertEqual(stored.split(separator: "\n").map(String.init), reasons.keys.sorted().map { "\($0)=\(reasons[$0]!)" })
        XCTAssertEqual(try cluster.psql("SELECT version FROM cells.schema_version").trimmingCharacters(in: .newlines), "1")
    }

    /// A unit name with what COPY escapes (tab, backslash, line break) and what CSV quotes or
    /// guards (quote, comma, a leading `=`) is stored as it is, as counters.json holds it.
    func testTextIsStoredAsItIs() throws {
        let catalogs = dir.appendingPathComponent("catalogs")
        try FileManager.default.removeItem(at: catalogs)
        try FileManager.default.copyItem(at: try XCTUnwrap(Self.data).appendingPathComponent("catalogs"), to: catalogs)
        let units = catalogs.appendingPathComponent("units.csv")
        var lines = try String(contentsOf: units, encoding: .utf8).components(separatedBy: "\n")
        let fields = lines[2].split(separator: ",", omittingEmptySubsequences: false)
        let code = String(fields[0]), name = "=Phòng \"Một\", cửa\tB\\C\nmới"
        lines[2] = "\(code),\"\(name.replacingOccurrences(of: "\"", with: "\"\""))\",\(fields[2]),\(fields[3])"
        try lines.joined(separator: "\n").write(to: units, atomically: true, encoding: .utf8)
        _ = try pipeline(schema: "text")
        try run([])
        let stored = try cluster.csvRows("SELECT DISTINCT unit_name FROM text.counters WHERE unit_code = '\(code)'")
        XCTAssertEqual(stored, [["unit_name"], [name]])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/counters.json"))) as! [String: Any]
        let names = Set((json["rows"] as! [[String: Any]]).filter { $0["unit_code"] as? String == code }.map { $0["unit_name"] as! String })
        XCTAssertEqual(names, [name])
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("out/counters.csv"), encoding: .utf8).contains("\"'=Phòng"), "the CSV file guards it")
    }

    func testASecondRunOfThePeriodReplacesItsRows() throws {
        _ = try pipeline(schema: "again")
        try run([])
        let counters = try count("again", "counters"), kpis = try count("again", "kpis")
        try run([])
        XCTAssertEqual(try count("again", "counters"), counters)
        XCTAssertEqual(try count("again", "kpis"), kpis)
        XCTAssertEqual(try count("again", "counters", "run_id = 2"), counters, "every row is the second run's")
        XCTAssertEqual(try count("again", "runs"), 2, "runs keeps one row per run")
    }

    func testAnotherPeriodLeavesTheFirstPeriodsRows() throws {
        _ = try pipeline(schema: "periods")
        try run([])
        let february = try cluster.psql("SELECT * FROM periods.counters ORDER BY unit_code, scope, sector_code")
        try run(["--period", "2024-03"])
        XCTAssertEqual(try cluster.psql("SELECT * FROM periods.counters WHERE period = '2024-02' ORDER BY unit_code, scope, sector_code"), february)
        XCTAssertGreaterThan(try count("periods", "counters", "period = '2024-03' AND run_id = 2"), 100)
        // Another pipeline's rows of the same period are its own.
        XCTAssertEqual(try count("periods", "counters", "pipeline <> 'province'"), 0)
    }

    func testAServerDownBeforeTheRunExits69AndNothingIsRead() throws {
        _ = try pipeline(schema: "down")
        try cluster.script("stop")
        defer { XCTAssertNoThrow(try cluster.script("start")) }
        let metrics = dir.appendingPathComponent("motcua.prom").path
        let r = try run(["--metrics-file", metrics], expect: 69)
        XCTAssertTrue(r.stderr.contains("PostgreSQL at 127.0.0.1:\(cluster.port)/motcua is not available: Connection refused; nothing read"), r.stderr)
        // Nothing read: no outputs, no last-failure/ (written only by a run that has read).
        let out = dir.appendingPathComponent("out")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
        XCTAssertTrue(left.allSatisfy { $0.hasPrefix(".motcua") }, "\(left)")
        let prom = try String(contentsOfFile: metrics, encoding: .utf8)
        XCTAssertTrue(prom.contains("motcua_run_exit_status{pipeline=\"province\"} 69"), prom)
        XCTAssertTrue(prom.contains("motcua_database_write_failed{pipeline=\"province\"} 1"), prom)
    }

    func testAConnectionCutWhileWritingExits74AndChangesNothing() throws {
        // A first run through the proxy: the published files and the database to keep, and the
        // bytes a whole run sends (the connection check, then mostly the COPY data).
        let whole = try CuttingProxy(upstreamPort: cluster.port)
        defer { whole.close() }
        _ = try pipeline(schema: "cut", postgres: "{ url: \"postgres://motcua@127.0.0.1:\(whole.port)/motcua\", schema: cut }")
        try run([])
        let bytes = whole.clientBytes
        let files = try ["counters.csv", "kpis.csv", "summary.json"].map { try Data(contentsOf: dir.appendingPathComponent("out/\($0)")) }
        let before = try cluster.psql("SELECT * FROM cut.counters ORDER BY unit_code, scope, sector_code")
        let runsBefore = try count("cut", "runs")

        // The same pipeline cut off at 60% of those bytes, in the COPY; its results would differ (--as-of).
        let cutting = try CuttingProxy(upstreamPort: cluster.port, cutAfter: bytes * 6 / 10)
        defer { cutting.close() }
        _ = try pipeline(schema: "cut", postgres: "{ url: \"postgres://motcua@127.0.0.1:\(cutting.port)/motcua\", schema: cut }")
        let metrics = dir.appendingPathComponent("motcua.prom").path
        let r = try run(["--as-of", "2024-02-20", "--metrics-file", metrics], expect: 74)
        XCTAssertTrue(r.stderr.contains("writing rows failed"), r.stderr)
        XCTAssertTrue(r.stderr.contains("the transaction was rolled back, the database is as it was; previous outputs kept"), r.stderr)
        XCTAssertEqual(try ["counters.csv", "kpis.csv", "summary.json"].map { try Data(contentsOf: dir.appendingPathComponent("out/\($0)")) }, files)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/last-failure/summary.json").path))
        // The server has ended the broken session's transaction by the time psql asks (it may take a moment).
        var after = ""
        for _ in 0..<50 {
            after = try cluster.psql("SELECT * FROM cut.counters ORDER BY unit_code, scope, sector_code")
            if try count("cut", "runs") == runsBefore, after == before { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertEqual(after, before)
        XCTAssertEqual(try count("cut", "runs"), runsBefore)
        let prom = try String(contentsOfFile: metrics, encoding: .utf8)
        XCTAssertTrue(prom.contains("motcua_run_exit_status{pipeline=\"province\"} 74"), prom)
        XCTAssertTrue(prom.contains("motcua_database_write_failed{pipeline=\"province\"} 1"), prom)
    }

    func testARoleWithoutRightsExits69NamingThem() throws {
        _ = try pipeline(schema: "rights")
        try run([])
        try cluster.psql("DROP ROLE IF EXISTS viewer; CREATE ROLE viewer LOGIN PASSWORD 'viewer-password'; GRANT USAGE ON SCHEMA rights TO viewer; GRANT SELECT ON ALL TABLES IN SCHEMA rights TO viewer")
        let r = try run(["--postgres", cluster.url(user: "viewer")], environment: ["PGPASSWORD": "viewer-password"], expect: 69)
        XCTAssertTrue(r.stderr.contains("role viewer lacks INSERT on rights.runs, UPDATE on rights.runs, INSERT on rights.counters, DELETE on rights.counters"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/last-failure").path))
    }

    func testTheURLFromAnEnvironmentVariableAndThePasswordFromPgpass() throws {
        _ = try pipeline(schema: "passfile", postgres: "{ url_env: MOTCUA_TEST_DATABASE, schema: passfile }")
        let passfile = dir.appendingPathComponent("pgpass")
        try "# host:port:database:user:password\n127.0.0.1:\(cluster.port):motcua:motcua:\(cluster.password)\n".write(to: passfile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passfile.path)
        let env = ["MOTCUA_TEST_DATABASE": cluster.url(), "PGPASSFILE": passfile.path, "PGPASSWORD": ""]
        try run([], environment: env)
        XCTAssertGreaterThan(try count("passfile", "counters"), 100)
        // A password file others may read is ignored, as libpq ignores it.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: passfile.path)
        let r = try run([], environment: env, expect: 69)
        XCTAssertTrue(r.stderr.contains("password"), r.stderr)
        let unset = try run([], environment: ["PGPASSWORD": cluster.password], expect: 78)
        XCTAssertTrue(unset.stderr.contains("outputs.postgres.url_env: the environment variable MOTCUA_TEST_DATABASE is not set"), unset.stderr)
    }

    func testTLSAskedOfAServerWithoutItExits69() throws {
        _ = try pipeline(schema: "tls", postgres: "{ url: \"\(cluster.url(query: "sslmode=require"))\", schema: tls }")
        let r = try run([], expect: 69)
        XCTAssertTrue(r.stderr.contains("the server does not offer TLS, and the URL's sslmode requires it"), r.stderr)
    }

    /// GUIDE.md's two dashboard queries run, and return what kpis.csv says.
    func testTheGuidesDashboardQueriesRun() throws {
        _ = try pipeline(schema: "motcua")
        try run([])
        let guide = try String(contentsOf: Harness.projectDir.appendingPathComponent("docs/GUIDE.md"), encoding: .utf8)
        let queries = guide.components(separatedBy: "```sql\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
            .filter { $0.hasPrefix("-- Dashboard:") }
        XCTAssertEqual(queries.count, 2, "GUIDE.md's dashboard queries")
        guard queries.count == 2 else { return }
        let kpis = parseCSV(try String(contentsOf: dir.appendingPathComponent("out/kpis.csv"), encoding: .utf8))
        let column = Dictionary(uniqueKeysWithValues: kpis[0].enumerated().map { ($1, $0) })
        func rows(_ keep: ([String]) -> Bool) -> Set<String> {
            Set(kpis.dropFirst().filter(keep).map { "\($0[column["unit_code"]!])|\($0[column["value"]!])" })
        }
        func result(_ sql: String) throws -> Set<String> {
            let table = try cluster.csvRows(sql)
            let c = Dictionary(uniqueKeysWithValues: table[0].enumerated().map { ($1, $0) })
            let value = c["online_rate"] ?? c["on_time_rate"]!
            return Set(table.dropFirst().map { "\($0[c["unit_code"]!])|\($0[value])" })
        }
        let online = rows { $0[column["tier"]!] == "huyen" && $0[column["scope"]!] == "subtree" && $0[column["kpi"]!] == "online_rate" }
        XCTAssertGreaterThan(online.count, 1, "the generated province has districts")
        XCTAssertEqual(try result(queries[0]), online)
        let below = rows { $0[column["scope"]!] == "own" && $0[column["kpi"]!] == "on_time_rate" && $0[column["met"]!] == "false" }
        XCTAssertFalse(below.isEmpty, "some unit misses the 95% on-time target")
        XCTAssertEqual(try result(queries[1]), below)
    }
}

/// `outputs.postgres` and `--postgres` as the loader and the command line check them (no server needed).
final class PostgresSettingsTests: XCTestCase {
    func validate(_ postgres: String) throws -> ProcessResult {
        let dir = try Harness.scratch("pg-settings")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("exports"), withIntermediateDirectories: true)
        try Data().write(to: dir.appendingPathComponent("exports/a.ndjson"))
        let yaml = """
        version: 1
        inputs: [{ format: dvcqg-ndjson, paths: ["exports/*.ndjson"] }]
        periods: { kind: month, period: 2024-02 }
        outputs: { postgres: \(postgres) }
        """
        try yaml.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        return try Harness.run(["validate", "p.yaml"], in: dir)
    }

    func testBadSettingsAreConfigErrorsWithTheirKeys() throws {
        let cases: [(String, String)] = [
            ("{ url: \"postgres://u:secret@db:5432/x\" }", "outputs.postgres.url: has a password: give it in PGPASSWORD or ~/.pgpass, never in the pipeline file"),
            ("{ url: \"mysql://db/x\" }", "outputs.postgres.url: expected postgres://user@host:5432/database"),
            ("{ url: \"postgres://db:99999/x\" }", "port '99999' is not a number from 1 to 65535"),
            ("{ url: \"postgres://db/x?sslmode=maybe\" }", "sslmode 'maybe' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
            ("{ url: \"postgres://db/x\", url_env: DB }", "outputs.postgres: give url or url_env, not both"),
            ("{ schema: motcua }", "outputs.postgres: missing url"),
            ("{ url: \"postgres://db/x\", schema: \"My Schema\" }", "outputs.postgres.schema: 'My Schema' is not a schema name"),
        ]
        for (setting, message) in cases {
            let r = try validate(setting)
            XCTAssertEqual(r.status, 78, setting)
            XCTAssertTrue((r.stdout + r.stderr).contains(message), "\(setting): \(r.stdout)\(r.stderr)")
        }
        XCTAssertEqual(try validate("{ url: \"postgres://motcua@db.example:6432/stats?sslmode=verify-full\", schema: dash_1 }").status, 0)
    }

    func testAPasswordOnTheCommandLineIsRefused() throws {
        let r = try Harness.run(["run", "nothing.yaml", "--postgres", "postgres://u:secret@db/x"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--postgres: the URL has a password; give it in PGPASSWORD or ~/.pgpass instead"), r.stderr)
    }
}
