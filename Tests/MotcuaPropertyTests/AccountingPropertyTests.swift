// Accounting and determinism as properties (issue 6, SPEC §3.2, §3.4, §5.2, §7.3): seeded
// random inputs — NDJSON and CSV, gzip (one or several members) or plain, BOM, CRLF, blank
// lines, multi-line CSV cells, and records built to fail one known check each — whose every
// fate is known in advance. Then:
//   * summary.json's accounting and rejects_by_reason equal the generator's, per input too,
//     and `records = accepted + rejected`, `accepted = dossiers + superseded`,
//     `dossiers = in_scope + not_received`;
//   * rejects.ndjson lists exactly the generated rejects, with their physical line numbers;
//   * every counters.csv row satisfies the §5.2 identities, and a period's carried_over is
//     the previous period's pending_total;
//   * counters/kpis (CSV and JSON) and rejects.ndjson are byte-identical for every
//     --threads / --chunk-bytes / --inflater combination;
//   * so is data-quality.csv / .json, whose checks across versions (status_went_back,
//     received_at_changed) count exactly the ids that the generated versions, in input
//     order, make go back in the lifecycle or change NgayTiepNhan (issue 15).
import Foundation
import XCTest
import MotcuaTestSupport

final class AccountingPropertyTests: XCTestCase {
    static let units = ["000.00.01.H56", "000.00.02.H56", "000.00.03.H56", "000.00.04.H56", "000.00.09.H56"]
    static let unitsCSV = """
        unit_code,unit_name,tier,parent_code
        000.00.01.H56,Tỉnh,tinh,
        000.00.02.H56,Huyện A,huyen,000.00.01.H56
        000.00.03.H56,Huyện B,huyen,000.00.01.H56
        000.00.04.H56,Xã C,xa,000.00.02.H56

        """
    static let csvHeader = "Mã hồ sơ,Mã đơn vị,Mã lĩnh vực,Kênh thực hiện,Trạng thái,Ngày tiếp nhận,Ngày hẹn trả,Ngày kết thúc xử lý,Ngày trả kết quả,Hình thức trả kết quả,Có phí,Ghi chú"
    static let maxLine = 700

    struct Expected {
        var records = 0, accepted = 0
        var byReason: [String: Int] = [:]
        var rejects: [String] = []                 // "file:line:reason" in input order
        var latest: [String: Int] = [:]            // id → status of its last accepted record
        var highestStage: [String: Int] = [:]      // id → highest lifecycle stage of its accepted records
        var receivedDays: [String: Set<Int>] = [:] // id → NgayTiepNhan days of its accepted records
        var perFile: [String: (records: Int, accepted: Int, rejected: Int)] = [:]
    }

    struct Gen {
        var rng: SplitMix
        mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        mutating func chance(_ p: Double) -> Bool { Double(rng.next() % 1_000_000) / 1_000_000 < p }

        /// Day offsets from 2023-12-01; values in a textual form the SPEC accepts.
        func ymd(_ day: Int) -> (Int, Int, Int) { civil(daysFrom2023_12_01: day) }
        mutating func ndjsonDate(_ day: Int) -> String {
            let (y, m, d) = ymd(day)
            switch int(4) {
            case 0: return String(format: "%04d%02d%02d%02d%02d%02d", y, m, d, int(24), int(60), int(60))
            case 1: return String(format: "%04d-%02d-%02dT%02d:%02d:00", y, m, d, int(24), int(60))
            case 2: return String(format: "%04d-%02d-%02d", y, m, d)
            default: return String(format: "%02d/%02d/%04d", d, m, y)
            }
        }
        func csvDate(_ day: Int) -> String {
            let (y, m, d) = ymd(day)
            return String(format: "%02d/%02d/%04d 09:30:00", d, m, y)
        }
    }

    /// One valid dossier record's fields.
    struct Fields {
        var id: String, unit: String?, sector: String?, channel: Int, status: Int
        var recv: Int?, due: Int?, ended: Int?, returned: Int?, returnChannel: Int, fee: Bool
    }

    static func civilDays(_ y: Int, _ m: Int, _ d: Int) -> Int {
        // Days since 1970-01-01 (H. Hinnant), for the generator only.
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468
    }

    func validFields(_ g: inout Gen, ids: [String]) -> Fields {
        let id = ids[g.int(ids.count)]
        let status = 1 + g.int(10)
        let recv = g.int(240)
        var f = Fields(id: id, unit: nil, sector: g.chance(0.7) ? ["LV1", "LV2", "LV3"][g.int(3)] : nil,
                       channel: 1 + g.int(3), status: status, recv: recv,
                       due: g.chance(0.8) ? recv + g.int(30) : nil, ended: nil, returned: nil,
                       returnChannel: g.int(2), fee: g.chance(0.3))
        if status >= 7 || (status == 4 && g.chance(0.2)) { f.ended = recv + g.int(40) }
        if f.ended != nil && g.chance(0.6) { f.returned = f.ended! + g.int(3) }
        if (status == 1 || status == 3) && g.chance(0.5) { f.recv = nil }
        // Most ids carry their unit as prefix; some name it explicitly.
        if g.chance(0.3) { f.unit = id.split(separator: "-")[0].description }
        return f
    }

    func ndjson(_ f: Fields, _ g: inout Gen, pad: Int = 0) -> [UInt8] {
        var parts = [#""MaHoSo":"\#(f.id)""#]
        if let u = f.unit { parts.append(#""MaDonVi":"\#(u)""#) }
        if let s = f.sector { parts.append(#""MaLinhVuc":"\#(s)""#) }
        parts.append(g.chance(0.5) ? #""KenhThucHien":\#(f.channel)"# : #""KenhThucHien":"\#(f.channel)""#)
        parts.append(g.chance(0.8) ? #""TrangThaiHoSo":\#(f.status)"# : #""TrangThaiHoSo":"0\#(f.status)""#)
        if let d = f.recv { parts.append(#""NgayTiepNhan":"\#(g.ndjsonDate(d))""#) }
        if let d = f.due { parts.append(#""NgayHenTra":"\#(g.ndjsonDate(d))""#) }
        if let d = f.ended { parts.append(#""NgayKetThucXuLy":"\#(g.ndjsonDate(d))""#) }
        if let d = f.returned {
            parts.append(#""NgayTra":"\#(g.ndjsonDate(d))""#)
            parts.append(#""HinhThuc":\#(f.returnChannel)"#)
        }
        if f.fee { parts.append(#""DanhSachLePhi":[{"Gia":"15000"}]"#) }
        if g.chance(0.2) { parts.append(#""Extra":{"a":[1,2,{"b":null}],"c":"\u1EA1\n"}"#) }
        if pad > 0 { parts.append(#""Pad":"\#(String(repeating: "p", count: pad))""#) }
        // Shuffle key order a little: the scanner must not care.
        if g.chance(0.3) { parts.swapAt(0, parts.count - 1) }
        return Array(("{" + parts.joined(separator: ",") + "}").utf8)
    }

    func csvRow(_ f: Fields, _ g: inout Gen, note: String = "", status: String? = nil) -> [UInt8] {
        let channel: String = g.chance(0.5) ? "\(f.channel)" : ["Trực tiếp", "Trực tuyến", "BCCI"][f.channel - 1]
        var cells: [String] = [f.id, f.unit ?? "", f.sector ?? "", channel, status ?? "\(f.status)"]
        for d in [f.recv, f.due, f.ended, f.returned] { cells.append(d.map { g.csvDate($0) } ?? "") }
        cells.append(f.returned != nil ? "\(f.returnChannel)" : "")
        cells.append(f.fee ? "Có" : "Không")
        cells.append(note)
        return Array(cells.joined(separator: ",").utf8)
    }

    /// Writes one case's files into `ws` and returns what a run must report.
    func generate(seed: UInt64, into ws: Workspace) throws -> Expected {
        var g = Gen(rng: SplitMix(seed: seed))
        let ids = (0..<80).map { i in "\(Self.units[g.int(Self.units.count)])-\(String(format: "%04d", i))" }
        var exp = Expected()
        let fileCount = 3 + g.int(3)
        var files: [(name: String, bytes: [UInt8], expectRejects: [(Int, String)], fates: [(String?, Int?, Int?, String?)])] = []
        for fi in 0..<fileCount {
            let csv = g.chance(0.4)
            let gz = g.chance(0.5)
            let name = String(format: "f%02d.%@%@", fi, csv ? "csv" : "ndjson", gz ? ".gz" : "")
            var text: [UInt8] = g.chance(0.2) ? [0xEF, 0xBB, 0xBF] : []
            var line = 1
            var fates: [(String?, Int?, Int?, String?)] = []  // (id if accepted, status, recv, reason if rejected)
            var rejects: [(Int, String)] = []
            let eol: () -> [UInt8] = { [0x0A] }
            if csv { text += Array(Self.csvHeader.utf8) + eol(); line += 1 }
            for _ in 0..<(40 + g.int(120)) {
                if g.chance(0.05) { text += g.chance(0.5) ? [0x0A] : [0x0D, 0x0A]; line += 1 }
                var f = validFields(&g, ids: ids)
                var reason: String? = nil
                var body: [UInt8]
                var lines = 1
                let kind = g.chance(0.25) ? g.int(12) : -1
                if csv {
                    let note = g.chance(0.1) ? "\"ghi\nchú, \"\"x\"\"\"" : "n"
                    var usedNote = ""
                    switch kind {
                    case 0: reason = "malformed_csv"; body = csvRow(f, &g) + Array(",extra".utf8)
                    case 1: reason = "invalid_utf8"; body = csvRow(f, &g) + [0xC3, 0x28]
                    case 2: reason = "missing_field:MaHoSo"; f.id = ""; body = csvRow(f, &g)
                    case 3:
                        // An unparsable status needs NgayTiepNhan (SPEC §3.3: it counts as neither 1/3 nor 7–10).
                        reason = "invalid_value:TrangThaiHoSo"; if f.recv == nil { f.recv = 100 }
                        body = csvRow(f, &g, status: "Không rõ")
                    case 4:
                        reason = "line_too_long"
                        usedNote = "\"" + String(repeating: "dài\n", count: 200) + "\""
                        body = csvRow(f, &g, note: usedNote)
                    case 5 where f.status >= 7:
                        reason = "missing_field:NgayKetThucXuLy"; f.ended = nil; f.returned = nil; body = csvRow(f, &g)
                    case 6 where f.recv != nil:
                        reason = "ended_before_received"; f.ended = f.recv! - 1 - g.int(5); f.status = 9; f.returned = nil; body = csvRow(f, &g)
                    default:
                        usedNote = note
                        body = csvRow(f, &g, note: note)
                    }
                    lines += usedNote.filter { $0 == "\n" }.count
                } else {
                    switch kind {
                    case 0: reason = "malformed_json"; body = Array(ndjson(f, &g).dropLast())
                    case 1: reason = "invalid_utf8"; body = Array(ndjson(f, &g).dropLast()) + Array(#","Bad":""#.utf8) + [0xFF] + Array(#""}"#.utf8)
                    case 2: reason = "missing_field:MaHoSo"; body = Array(String(decoding: ndjson(f, &g), as: UTF8.self)
                                .replacingOccurrences(of: "\"MaHoSo\"", with: "\"MaHoSoX\"").utf8)
                    case 3: reason = "invalid_value:TrangThaiHoSo"; f.status = 11; if f.recv == nil { f.recv = 100 }; body = ndjson(f, &g)
                    case 4: reason = "line_too_long"; body = ndjson(f, &g, pad: Self.maxLine)
                    case 5: reason = "invalid_value:KenhThucHien"; f.channel = 4; body = ndjson(f, &g)
                    case 6 where f.recv != nil:
                        reason = "ended_before_received"; f.ended = f.recv! - 1 - g.int(5); f.status = 10; f.returned = nil; body = ndjson(f, &g)
                    case 7: reason = "missing_field:MaDonVi"; f.id = "ZZ\(g.int(1000))-1"; f.unit = nil; body = ndjson(f, &g)
                    case 8 where f.status != 1 && f.status != 3:
                        reason = "missing_field:NgayTiepNhan"; f.recv = nil; body = ndjson(f, &g)
                    case 9: reason = "invalid_value:NgayHenTra"; body = Array(ndjson(f, &g).dropLast()) + Array(#","NgayHenTra":"31/02/2024"}"#.utf8)
                    default: body = ndjson(f, &g)
                    }
                }
                text += body + (g.chance(0.3) ? [0x0D, 0x0A] : [0x0A])
                if let r = reason {
                    rejects.append((line, r))
                    fates.append((nil, nil, nil, r))
                } else {
                    fates.append((f.id, f.status, f.recv, nil))
                }
                line += lines
            }
            // Sometimes the last record has no line end.
            if g.chance(0.3), text.last == 0x0A { text.removeLast(); if text.last == 0x0D { text.removeLast() } }
            var bytes = text
            if gz {
                if g.chance(0.5) && text.count > 10 {
                    let cut = 1 + g.int(text.count - 1)
                    bytes = Gz.member(Array(text[..<cut])) + Gz.member(Array(text[cut...]))
                } else {
                    bytes = Gz.member(text)
                }
            }
            files.append((name, bytes, rejects, fates))
        }
        for f in files {
            try ws.write(f.name, f.bytes)
        }
        for f in files.sorted(by: { $0.name < $1.name }) {
            let path = "data/\(f.name)"
            var counts = (records: 0, accepted: 0, rejected: 0)
            for fate in f.fates {
                counts.records += 1
                if let r = fate.3 { exp.byReason[r, default: 0] += 1; counts.rejected += 1 } else {
                    counts.accepted += 1
                    exp.latest[fate.0!] = fate.1!
                    exp.highestStage[fate.0!] = max(exp.highestStage[fate.0!] ?? 0, Self.stage(fate.1!))
                    if let d = fate.2 { exp.receivedDays[fate.0!, default: []].insert(d) }
                }
            }
            exp.rejects += f.expectRejects.map { "\(path):\($0.0):\($0.1)" }
            exp.records += counts.records
            exp.accepted += counts.accepted
            exp.perFile[path] = counts
        }
        return exp
    }

    static let outputs = ["counters.csv", "counters.json", "kpis.csv", "kpis.json", "rejects.ndjson",
                          "data-quality.csv", "data-quality.json"]

    /// The lifecycle stages of docs/GUIDE.md (data quality), written again here as the model.
    static func stage(_ status: Int) -> Int {
        [1: 1, 2: 2, 4: 2, 5: 2, 6: 2, 8: 2, 3: 3, 7: 3, 9: 3, 10: 4][status]!
    }

    func testAccountingAndDeterminismOnRandomInputs() throws {
        let configs: [[String]] = [
            ["--threads", "1", "--chunk-bytes", "1"],
            ["--threads", "3", "--chunk-bytes", "61"],
            ["--threads", "2", "--chunk-bytes", "997", "--inflater", "zlib"],
            ["--threads", "4", "--chunk-bytes", "65536"],
        ].map { $0 + ["--as-of", "2024-06-30"] }
        for seed: UInt64 in [11, 12, 13, 14, 15] {
            let ws = try Workspace("prop")
            try Self.unitsCSV.write(to: ws.url("units.csv"), atomically: true, encoding: .utf8)
            try ws.pipeline(limits: "max_reject_rate: 1, max_line_bytes: \(Self.maxLine)",
                            extra: "catalogs: {units: units.csv}\nbreakdown: [sector]", ndjson: true, csv: true,
                            periods: "{kind: month, from: 2024-01-01, to: 2024-06-30}", outputs: "data_quality: true")
            let exp = try generate(seed: seed, into: ws)
            let r = try ws.run(["--as-of", "2024-06-30"])
            XCTAssertEqual(r.status, 0, "seed \(seed): \(r.stderr)")

            // Accounting, as generated.
            let acc = try ws.accounting()
            let notReceived = exp.latest.values.filter { $0 == 1 || $0 == 3 }.count
            XCTAssertEqual(acc, ["records": exp.records, "accepted": exp.accepted, "rejected": exp.records - exp.accepted,
                                 "dossiers": exp.latest.count, "superseded": exp.accepted - exp.latest.count,
                                 "in_scope": exp.latest.count - notReceived, "not_received": notReceived], "seed \(seed)")
            XCTAssertEqual(try ws.summary()["rejects_by_reason"] as? [String: Int], exp.byReason, "seed \(seed)")
            for input in try ws.inputs() {
                let path = input["path"] as! String
                let want = exp.perFile[path]!
                XCTAssertEqual([input["records"] as? Int, input["accepted"] as? Int, input["rejected"] as? Int],
                               [want.records, want.accepted, want.rejected], "seed \(seed) \(path)")
            }
            XCTAssertEqual(try ws.rejects().map { "\($0.file):\($0.line):\($0.reason)" }, exp.rejects, "seed \(seed)")

            // §5.2 identities on every row, and carried_over = previous pending_total.
            let t = try csvTable(ws.url("out/counters.csv"))
            let col = Dictionary(uniqueKeysWithValues: t.header.enumerated().map { ($1, $0) })
            var previousPending: [String: Int] = [:]
            XCTAssertGreaterThan(t.rows.count, 20)
            for row in t.rows {
                func n(_ name: String) -> Int { Int(row[col[name]!])! }
                let where_ = "seed \(seed) \(row.prefix(10).joined(separator: ","))"
                XCTAssertEqual(n("received_total"), n("resolved_total") + n("pending_total"), where_)
                XCTAssertEqual(n("resolved_total"), n("resolved_early") + n("resolved_on_time") + n("resolved_late"), where_)
                XCTAssertEqual(n("pending_total"), n("pending_within") + n("pending_overdue"), where_)
                XCTAssertEqual(n("new_offline"), n("new_direct") + n("new_postal"), where_)
                XCTAssertEqual(n("received_total"), n("new_online") + n("new_offline") + n("carried_over"), where_)
                XCTAssertLessThanOrEqual(n("withdrawn"), n("resolved_on_time"), where_)
                let key = "\(row[col["unit_code"]!])|\(row[col["scope"]!])"
                if row[col["sector_code"]!].isEmpty {
                    if let prev = previousPending[key] { XCTAssertEqual(n("carried_over"), prev, where_) }
                    previousPending[key] = n("pending_total")
                }
            }

            // The checks across versions, per unit (the id's prefix), against the model.
            var wantDQ: [String: Int] = [:]
            for (id, status) in exp.latest {
                let unit = String(id.prefix(13))
                if Self.stage(status) < exp.highestStage[id]! { wantDQ["\(unit)|status_went_back", default: 0] += 1 }
                if (exp.receivedDays[id]?.count ?? 0) > 1 { wantDQ["\(unit)|received_at_changed", default: 0] += 1 }
            }
            let dq = try csvTable(ws.url("out/data-quality.csv"))
            let dqCol = Dictionary(uniqueKeysWithValues: dq.header.enumerated().map { ($1, $0) })
            var gotDQ: [String: Int] = [:]
            for row in dq.rows where ["status_went_back", "received_at_changed"].contains(row[dqCol["check"]!]) {
                gotDQ["\(row[dqCol["unit_code"]!])|\(row[dqCol["check"]!])"] = Int(row[dqCol["count"]!])!
            }
            XCTAssertEqual(gotDQ, wantDQ, "seed \(seed): data-quality checks across versions")
            XCTAssertFalse(wantDQ.isEmpty, "seed \(seed): the generator makes versions go back")

            // Byte-identical outputs for every threads / chunking / inflater.
            let reference = try Self.outputs.map { try Data(contentsOf: ws.url("out/\($0)")) }
            for c in configs {
                let rc = try ws.run(c)
                XCTAssertEqual(rc.status, 0, "seed \(seed) \(c): \(rc.stderr)")
                for (i, name) in Self.outputs.enumerated() {
                    XCTAssertEqual(try Data(contentsOf: ws.url("out/\(name)")), reference[i], "seed \(seed) \(c): \(name) differs")
                }
                XCTAssertEqual(try ws.accounting(), acc, "seed \(seed) \(c)")
            }
        }
    }
}

/// (year, month, day) of 2023-12-01 + `day`.
func civil(daysFrom2023_12_01 day: Int) -> (Int, Int, Int) {
    var z = AccountingPropertyTests.civilDays(2023, 12, 1) + day + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    z = yoe + era * 400
    return (m <= 2 ? z + 1 : z, m, d)
}
