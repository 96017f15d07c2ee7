// Failures that explain themselves (issue 18): a failed run prints its warnings and leaves
// its summary and rejects in OUT/last-failure/ without touching the published outputs; hints
// that name the fix (CSV delimiter, date forms); `validate` checks that every input pattern
// matches a file; the staleness warning, summary.json's newest_record_day and its metric.
import Foundation
import XCTest
import MotcuaTestSupport

final class DiagnosisTests: XCTestCase {
    static func record(_ id: Int, status: Int = 4, received: String = "20240305080000", extra: String = "") -> String {
        #"{"MaHoSo":"000.00.01.H56-\#(id)","TrangThaiHoSo":\#(status),"NgayTiepNhan":"\#(received)"\#(extra)}"#
    }

    /// Every regular file at the top of `dir`, by name, with its bytes.
    func topFiles(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for n in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent(n).path, isDirectory: &isDir), !isDir.boolValue {
                out[n] = try Data(contentsOf: dir.appendingPathComponent(n))
            }
        }
        return out
    }

    func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func inode(_ path: String) -> UInt64 {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_ino) : 0
    }

    // MARK: last-failure/

    func testFailedRunKeepsOutputsAndLeavesItsSummaryAndRejectsInLastFailure() throws {
        let ws = try Workspace("lastfail")
        try ws.pipeline(limits: "max_reject_rate: 0.01")
        try ws.write("a.ndjson", Self.record(1) + "\n")
        let out = ws.url("out")
        XCTAssertEqual(try ws.run(["--as-of", "2024-03-06"]).status, 0)
        let firstInode = inode(out.path)
        XCTAssertEqual(try ws.run(["--as-of", "2024-03-06"]).status, 0)
        // Does this filesystem swap directories (renameat2 RENAME_EXCHANGE)? Then a publish replaces the directory.
        let exchanges = inode(out.path) != firstInode
        let published = try topFiles(out)
        XCTAssertEqual(Set(published.keys), ["counters.csv", "counters.json", "kpis.csv", "kpis.json", "summary.json", "rejects.ndjson", ".motcua.lock", ".motcua-manifest"])

        // An export written with ';' read with the default ',': one column, no MaHoSo in any row.
        try ws.pipeline(limits: "max_reject_rate: 0.01", csv: true)
        try ws.write("b.csv", "Mã hồ sơ;Trạng thái;Ngày tiếp nhận\nX-1;4;05/03/2024\nX-2;4;05/03/2024\nX-3;4;06/03/2024\n")
        let failed = try Harness.run(["run", "p.yaml", "--quiet", "--as-of", "2024-03-06"], in: ws.dir)
        XCTAssertEqual(failed.status, 65, failed.stderr)
        let hint = #"data/b.csv: the header row has 1 column, but its line holds 2 ';': set delimiter: ";" for this input"#
        let lastFailure = out.appendingPathComponent("last-failure")
        let message = "3 of 4 records rejected (75.00%), above max_reject_rate 0.01; nothing published. First: data/b.csv:2: missing_field:MaHoSo; data/b.csv:3: missing_field:MaHoSo; data/b.csv:4: missing_field:MaHoSo"
        let realOut = URL(fileURLWithPath: out.path).resolvingSymlinksInPath().path
        XCTAssertEqual(failed.stderr.split(separator: "\n").map(String.init), [
            "motcua: warning: \(hint)",
            "motcua: warning: data/b.csv: the header has no column 'Mã hồ sơ' (dossier_id); every row lacks MaHoSo",
            "motcua: warning: data/b.csv: the header has no column 'Trạng thái' (status); every row lacks TrangThaiHoSo",
            "motcua: error: \(message); this run's summary and rejects: \(realOut)/last-failure/",
        ])
        XCTAssertEqual(try topFiles(out), published, "the published outputs are untouched, byte for byte")

        let summary = try json(lastFailure.appendingPathComponent("summary.json"))
        let failure = try XCTUnwrap(summary["failure"] as? [String: Any])
        XCTAssertEqual(failure["exit_code"] as? Int, 65)
        XCTAssertEqual(failure["message"] as? String, message)
        XCTAssertEqual(failure["not_read"] as? [String], [])
        XCTAssertEqual(summary["accounting"] as? [String: Int],
                       ["records": 4, "accepted": 1, "rejected": 3, "dossiers": 1, "superseded": 0, "in_scope": 1, "not_received": 0])
        XCTAssertEqual(summary["rejects_by_reason"] as? [String: Int], ["missing_field:MaHoSo": 3])
        XCTAssertEqual(summary["newest_record_day"] as? String, "2024-03-05")
        XCTAssertEqual(summary["warnings"] as? [String], [
            hint,
            "data/b.csv: the header has no column 'Mã hồ sơ' (dossier_id); every row lacks MaHoSo",
            "data/b.csv: the header has no column 'Trạng thái' (status); every row lacks TrangThaiHoSo",
        ])
        let rejects = try ws.rejects("out/last-failure")
        XCTAssertEqual(rejects.map { "\($0.file):\($0.line): \($0.reason): \($0.excerpt)" }, [
            "data/b.csv:2: missing_field:MaHoSo: X-1;4;05/03/2024",
            "data/b.csv:3: missing_field:MaHoSo: X-2;4;05/03/2024",
            "data/b.csv:4: missing_field:MaHoSo: X-3;4;06/03/2024",
        ])

        // A second failure replaces the folder whole; JSON logs carry the warnings as lines of their own.
        try ws.write("b.csv", "Mã hồ sơ;Trạng thái;Ngày tiếp nhận\nX-9;4;05/03/2024\n")
        let again = try Harness.run(["run", "p.yaml", "--quiet", "--log-format", "json", "--as-of", "2024-03-06"], in: ws.dir)
        XCTAssertEqual(again.status, 65)
        let levels = try again.stderr.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }.map { "\($0["level"]!): \($0["message"]!)" }
        XCTAssertEqual(levels.count, 4, again.stderr)
        XCTAssertEqual(levels.first, "warning: \(hint)")
        XCTAssertTrue(levels.last!.hasPrefix("error: 1 of 2 records rejected (50.00%)"), levels.last!)
        XCTAssertEqual(try ws.rejects("out/last-failure").map(\.excerpt), ["X-9;4;05/03/2024"])
        XCTAssertEqual(try topFiles(out), published)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: out.path).contains { $0.contains("motcua-tmp") })

        // A success drops the stale folder, in the same exchange that publishes.
        try FileManager.default.removeItem(at: ws.url("data/b.csv"))
        try ws.pipeline(limits: "max_reject_rate: 0.01")
        try ws.write("a.ndjson", Self.record(1) + "\n" + Self.record(2) + "\n")
        let inodeBefore = inode(out.path)
        XCTAssertEqual(try ws.run(["--as-of", "2024-03-06"]).status, 0)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: out.path)),
                       ["counters.csv", "counters.json", "kpis.csv", "kpis.json", "summary.json", "rejects.ndjson", ".motcua.lock", ".motcua-manifest"])
        XCTAssertEqual((try ws.summary()["accounting"] as! [String: Int])["records"], 2)
        XCTAssertNil(try ws.summary()["failure"], "a published summary has no failure")
        if exchanges { XCTAssertNotEqual(inode(out.path), inodeBefore, "published by the directory exchange, not file by file") }
    }

    /// A corrupt input under `fail` stops reading: the folder says which inputs were not read,
    /// and the figures that were never counted are null, not 0.
    func testCorruptInputFailureNamesTheInputsNotRead() throws {
        let ws = try Workspace("lastfail-corrupt")
        try ws.pipeline(limits: "on_corrupt_input: fail")
        try ws.write("a.ndjson", Self.record(1) + "\n")
        try ws.write("b.ndjson.gz", Array(Gz.member(Array((Self.record(2) + "\n").utf8)).prefix(10)))
        try ws.write("c.ndjson", Self.record(3) + "\n")
        let r = try ws.run(["--threads", "1", "--as-of", "2024-03-07"])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("data/b.ndjson.gz: corrupt input at compressed byte offset 10"), r.stderr)
        XCTAssertTrue(r.stderr.contains("last-failure/"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws.url("out/counters.csv").path))
        let summary = try json(ws.url("out/last-failure/summary.json"))
        XCTAssertEqual((summary["failure"] as? [String: Any])?["not_read"] as? [String], ["data/c.ndjson"])
        let accounting = summary["accounting"] as! [String: Any]
        XCTAssertEqual(accounting["records"] as? Int, 1)
        XCTAssertEqual(accounting["accepted"] as? Int, 1)
        XCTAssertEqual(accounting["rejected"] as? Int, 0)
        for k in ["dossiers", "superseded", "in_scope", "not_received"] { XCTAssertTrue(accounting[k] is NSNull, k) }
        XCTAssertTrue(summary["unknown_units"] is NSNull)
        let inputs = summary["inputs"] as! [[String: Any]]
        XCTAssertEqual(inputs.map { $0["records"] as? Int }, [1, 0, 0])
        XCTAssertEqual((inputs[1]["corrupt"] as? [String: Any])?["policy"] as? String, "fail")
        XCTAssertEqual((inputs[1]["corrupt"] as? [String: Any])?["offset"] as? Int, 10)
        XCTAssertEqual(summary["newest_record_day"] as? String, "2024-03-05")
        XCTAssertEqual(try String(contentsOf: ws.url("out/last-failure/rejects.ndjson"), encoding: .utf8), "")
    }

    /// SIGINT while a failing run reads: exit 130, no last-failure (nor a temporary one), and
    /// the folder of an earlier failure is left as it was; a killed run's temporary folder goes.
    func testInterruptedRunWritesNoLastFailure() throws {
        let ws = try Workspace("lastfail-intr")
        try ws.pipeline(limits: "max_reject_rate: 0")
        try ws.write("a.ndjson", #"{"TrangThaiHoSo":4}"# + "\n")
        XCTAssertEqual(try ws.run().status, 65)
        let earlier = try topFiles(ws.url("out/last-failure"))
        XCTAssertEqual(Set(earlier.keys), ["summary.json", "rejects.ndjson"])
        let killed = ws.url("out/.motcua-tmp-999999-last-failure")
        try FileManager.default.createDirectory(at: killed, withIntermediateDirectories: true)
        try Data("{".utf8).write(to: killed.appendingPathComponent("summary.json"))

        // ~60 MB of records that all fail (no MaHoSo): the run would end in 65.
        let line = #"{"TrangThaiHoSo":4,"NgayTiepNhan":"20240305080000","X":""# + String(repeating: "x", count: 400) + "\"}\n"
        let block = Data(String(repeating: line, count: 5000).utf8)
        let path = ws.url("data/a.ndjson").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        for _ in 0..<28 { handle.write(block) }
        try handle.close()
        let p = Process()
        p.executableURL = Harness.binary
        p.arguments = ["run", "p.yaml", "--quiet"]
        p.currentDirectoryURL = ws.dir
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(400_000)
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: ws.url("out").path)), [".motcua.lock", "last-failure"])
        XCTAssertEqual(try topFiles(ws.url("out/last-failure")), earlier)
    }

    // MARK: hints

    func testDelimiterHintNamesTheDelimiterTheHeaderHolds() throws {
        let ws = try Workspace("hint-delim")
        try ws.pipeline(csv: true)
        try ws.write("a.ndjson", Self.record(1) + "\n")
        try ws.write("b.csv", "Mã hồ sơ\tMã đơn vị\tTrạng thái\tNgày tiếp nhận\nX-1\t000.00.01.H56\t4\t05/03/2024\n")
        // One column, no other delimiter in it: no hint.
        try ws.write("c.csv", "Mã hồ sơ\nX-2\n")
        XCTAssertEqual(try ws.run(["--as-of", "2024-03-05"]).status, 0)
        XCTAssertEqual(try ws.summary()["warnings"] as? [String], [
            #"data/b.csv: the header row has 1 column, but its line holds 3 tabs: set delimiter: "\t" for this input"#,
            "data/b.csv: the header has no column 'Mã hồ sơ' (dossier_id); every row lacks MaHoSo",
            "data/b.csv: the header has no column 'Trạng thái' (status); every row lacks TrangThaiHoSo",
            "data/c.csv: the header has no column 'Trạng thái' (status); every row lacks TrangThaiHoSo",
        ])
    }

    /// A workbook's sheet has no delimiter to set: a one-column header holding ';' is no hint there.
    func testNoDelimiterHintForWorkbooks() throws {
        let ws = try Workspace("hint-xlsx")
        var sheet = XSheet(name: "Hồ sơ")
        sheet.add(row: 1, [.text("Mã hồ sơ;Trạng thái;Ngày tiếp nhận")])
        sheet.add(row: 2, [.text("X-1;4;05/03/2024")])
        try WorkbookWriter.write([sheet], to: ws.url("data/a.xlsx"))
        try """
        version: 1
        name: rel
        inputs: [{format: xlsx, paths: ["data/*.xlsx"]}]
        periods: {kind: month, from: 2024-03-01, to: 2024-03-31}
        outputs: {dir: out}
        limits: {max_reject_rate: 1}
        """.write(to: ws.url("p.yaml"), atomically: true, encoding: .utf8)
        let r = try ws.run(["--as-of", "2024-03-05"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let warnings = try XCTUnwrap(ws.summary()["warnings"] as? [String])
        XCTAssertFalse(warnings.isEmpty)
        XCTAssertFalse(warnings.contains { $0.contains("delimiter") }, "\(warnings)")
    }

    func testDateHintOncePerFileAndFieldWithTheFirstValue() throws {
        let ws = try Workspace("hint-date")
        try """
        version: 1
        name: rel
        inputs:
          - {format: dvcqg-ndjson, paths: ["data/*.ndjson"]}
          - {format: csv, paths: ["data/*.csv"], date_format: "yyyy-MM-dd"}
        periods: {kind: month, from: 2024-03-01, to: 2024-03-31}
        outputs: {dir: out}
        limits: {max_reject_rate: 1}
        """.write(to: ws.url("p.yaml"), atomically: true, encoding: .utf8)
        try ws.write("a.ndjson", [
            Self.record(1, received: "2024/03/05"),
            Self.record(2),
            Self.record(3, received: "2024/03/07"),
            Self.record(4, extra: #","NgayHenTra":"31/02/2024""#),
            Self.record(5, received: "2024/03/09"),
            Self.record(6, extra: #","NgayTra":20240306"#),
        ].joined(separator: "\n") + "\n")
        try ws.write("b.csv", "Mã hồ sơ,Mã đơn vị,Trạng thái,Ngày tiếp nhận\nX-1,000.00.01.H56,4,05/03/2024\nX-2,000.00.01.H56,4,2024-03-06\nX-3,000.00.01.H56,4,07/03/2024\n")
        let forms = "yyyyMMddHHmmss, yyyyMMdd, yyyy-MM-dd'T'HH:mm:ss[.fraction][Z|±hh:mm], yyyy-MM-dd HH:mm:ss, yyyy-MM-dd, dd/MM/yyyy HH:mm:ss, dd/MM/yyyy HH:mm, dd/MM/yyyy"
        let want = [
            #"data/a.ndjson: 3 NgayTiepNhan values are not dates in an accepted form (rejected as invalid_value:NgayTiepNhan; first: "2024/03/05"). Accepted forms: "# + forms + "; date_format pins one of them for an input",
            #"data/a.ndjson: 1 NgayHenTra value is not a date in an accepted form (rejected as invalid_value:NgayHenTra; first: "31/02/2024"); that value has the form of a date but is no day of the calendar (a day, month or time out of range): correct it at the source"#,
            #"data/a.ndjson: 1 NgayTra value is not a date in an accepted form (rejected as invalid_value:NgayTra; first: "20240306"); dates must be JSON strings"#,
            #"data/b.csv: 2 NgayTiepNhan values are not dates in an accepted form (rejected as invalid_value:NgayTiepNhan; first: "05/03/2024"); this input's date_format pins yyyy-MM-dd, but that value reads as dd/MM/yyyy: set date_format: "dd/MM/yyyy" (or remove it)"#,
        ]
        // The same first value whatever reads which chunk.
        for args in [["--threads", "1"], ["--threads", "3", "--chunk-bytes", "29"]] {
            let r = try ws.run(["--as-of", "2024-03-06"] + args)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try ws.summary()["warnings"] as? [String], want, "\(args)")
        }
    }

    // MARK: validate

    func testValidateReportsEveryPatternThatMatchesNothing() throws {
        let ws = try Workspace("validate")
        try ws.write("a.ndjson", Self.record(1) + "\n")
        func pipeline(_ extra: String) throws {
            try """
            version: 1
            inputs:
              - {format: dvcqg-ndjson, paths: ["data/*.ndjson", "data/*.none"]}
              - {format: csv, paths: ["other/*.csv"]}
            periods: {kind: month, from: 2024-03-01, to: 2024-03-31}
            \(extra)
            """.write(to: ws.url("p.yaml"), atomically: true, encoding: .utf8)
        }
        let dir = URL(fileURLWithPath: ws.dir.path).standardizedFileURL.path
        let lines = [
            "p.yaml: inputs[0].paths: no file matches 'data/*.none' (relative to \(dir))",
            "p.yaml: inputs[1].paths: no file matches 'other/*.csv' (relative to \(dir))",
        ]
        try pipeline("")
        let v = try Harness.run(["validate", "p.yaml"], in: ws.dir)
        XCTAssertEqual(v.status, 66, v.stderr)
        XCTAssertEqual(v.stdout, "")
        XCTAssertEqual(v.stderr.split(separator: "\n").map(String.init), lines + ["motcua: error: 2 input pattern(s) match no file"])
        let run = try ws.run()
        XCTAssertEqual(run.status, 66)
        XCTAssertEqual(run.stderr, "motcua: error: no input matched 'data/*.none' (inputs[0]), 'other/*.csv' (inputs[1]), relative to \(dir)\n")

        // Config problems come first and decide the exit code; the patterns are still listed.
        try pipeline("limits: {max_staleness_days: -1}\nrules: tt02")
        let both = try Harness.run(["validate", "p.yaml"], in: ws.dir)
        XCTAssertEqual(both.status, 78)
        XCTAssertTrue(both.stderr.contains("limits.max_staleness_days: expected an integer of 0 or more (days)"), both.stderr)
        XCTAssertTrue(both.stderr.contains("p.yaml:7: rules: 'tt02' is not one of tt01, qd766"), both.stderr)
        for l in lines { XCTAssertTrue(both.stderr.contains(l), both.stderr) }
        XCTAssertTrue(both.stderr.hasSuffix("motcua: error: 2 problem(s) found; 2 input pattern(s) match no file\n"), both.stderr)

        try ws.write("x.none", "")
        try FileManager.default.createDirectory(at: ws.url("other"), withIntermediateDirectories: true)
        try "".write(to: ws.url("other/b.csv"), atomically: true, encoding: .utf8)
        try pipeline("limits: {max_staleness_days: 0}")
        let ok = try Harness.run(["validate", "p.yaml"], in: ws.dir)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout, "p.yaml: ok\n")
    }

    // MARK: staleness

    /// Newest record's day here: 2024-03-06 (a NgayTra). A later due date and a later date of a
    /// rejected record do not count.
    func stalenessWorkspace(limits: String = "max_reject_rate: 1", periods: String = "{kind: month, from: 2024-03-01, to: 2024-03-31}") throws -> Workspace {
        let ws = try Workspace("stale")
        try ws.pipeline(limits: limits, periods: periods)
        try ws.write("a.ndjson", [
            Self.record(1, status: 10, received: "20240301080000", extra: #","NgayKetThucXuLy":"2024-03-04","NgayTra":"2024-03-06T09:00:00+07:00""#),
            Self.record(2, received: "2024-03-05 23:59:59", extra: #","NgayHenTra":"25/03/2024""#),
            #"{"TrangThaiHoSo":4,"NgayTiepNhan":"20240320080000"}"#,
        ].joined(separator: "\n") + "\n")
        return ws
    }

    func warnings(_ r: ProcessResult) -> [String] {
        r.stderr.split(separator: "\n").filter { $0.contains(" warning ") }.map { String($0.split(separator: "] ", maxSplits: 1)[1]) }
    }

    func testStalenessWarningSummaryKeyAndMetric() throws {
        let ws = try stalenessWorkspace()
        let fresh = try Harness.run(["run", "p.yaml", "--as-of", "2024-03-09", "--metrics-file", "m.prom"], in: ws.dir)
        XCTAssertEqual(fresh.status, 0, fresh.stderr)
        XCTAssertEqual(warnings(fresh), [], "3 days is not more than max_staleness_days 3")
        XCTAssertEqual(try ws.summary()["newest_record_day"] as? String, "2024-03-06")
        XCTAssertEqual(try ws.summary()["warnings"] as? [String], [])
        // 2024-03-06 00:00 at +07:00 = 2024-03-05T17:00:00Z = day 19788 × 86400 − 7 × 3600.
        let metric = #"motcua_newest_record_timestamp_seconds{pipeline="rel"} 1709658000"#
        XCTAssertTrue(try String(contentsOf: ws.url("m.prom"), encoding: .utf8).contains(metric + "\n"))

        let stale = try Harness.run(["run", "p.yaml", "--as-of", "2024-03-10", "--threads", "3", "--chunk-bytes", "29"], in: ws.dir)
        XCTAssertEqual(stale.status, 0, stale.stderr)
        let text = "the newest record is from 2024-03-06, 4 days before 2024-03-10 (--as-of): more than limits.max_staleness_days (3); are the exports still arriving?"
        XCTAssertEqual(warnings(stale), [text])
        XCTAssertEqual(try ws.summary()["warnings"] as? [String], [text])
        XCTAssertEqual(try ws.summary()["newest_record_day"] as? String, "2024-03-06")

        // Without --as-of the reference is today, but never after the last period's end (here 2024-03-31).
        XCTAssertEqual(try ws.run().status, 0)
        XCTAssertEqual(try ws.summary()["warnings"] as? [String], [
            "the newest record is from 2024-03-06, 25 days before 2024-03-31 (the last period's end): more than limits.max_staleness_days (3); are the exports still arriving?",
        ])

        // A failed run keeps the metric of the outputs still published.
        let failed = try Harness.run(["run", "p.yaml", "--quiet", "--metrics-file", "m.prom", "--from", "2024-05-01", "--to", "2024-04-01"], in: ws.dir)
        XCTAssertEqual(failed.status, 64)
        XCTAssertTrue(try String(contentsOf: ws.url("m.prom"), encoding: .utf8).contains(metric + "\n"))
    }

    func testStalenessAgainstTodayAndTheLimit() throws {
        let ws = try stalenessWorkspace(limits: "max_reject_rate: 1, max_staleness_days: 4")
        XCTAssertEqual(try ws.run(["--as-of", "2024-03-10"]).status, 0)
        XCTAssertEqual(try ws.summary()["warnings"] as? [String], [], "4 days is not more than 4")

        // A period that ends after today: the reference is today in +07:00.
        let future = try stalenessWorkspace(periods: "{kind: custom, from: 2024-03-01, to: 2999-12-31}")
        func todayAt7() -> Int { (Int(Date().timeIntervalSince1970) + 7 * 3600) / 86400 }
        let before = todayAt7()
        XCTAssertEqual(try future.run().status, 0)
        let after = todayAt7()
        let newest = 19788
        let expected = Set([before, after].map { day -> String in
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyy-MM-dd"
            let text = f.string(from: Date(timeIntervalSince1970: Double(day) * 86400))
            return "the newest record is from 2024-03-06, \(day - newest) days before \(text) (today): more than limits.max_staleness_days (3); are the exports still arriving?"
        })
        let got = try XCTUnwrap(future.summary()["warnings"] as? [String])
        XCTAssertEqual(got.count, 1)
        XCTAssertTrue(expected.contains(got[0]), "\(got) not in \(expected)")
    }

    func testNoDatedRecordLeavesNewestDayNullWithAWarning() throws {
        let ws = try Workspace("stale-empty")
        try ws.pipeline()
        try ws.write("a.ndjson", "")
        let r = try Harness.run(["run", "p.yaml", "--metrics-file", "m.prom"], in: ws.dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(try ws.summary()["newest_record_day"] is NSNull)
        XCTAssertEqual(try ws.summary()["warnings"] as? [String], [
            "no accepted record has a date (NgayTiepNhan, NgayKetThucXuLy or NgayTra): how fresh the data is cannot be told (newest_record_day is null)",
        ])
        XCTAssertFalse(try String(contentsOf: ws.url("m.prom"), encoding: .utf8).contains("newest_record"))
    }
}
