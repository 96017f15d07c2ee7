// summary.json and rejects.ndjson (SPEC §7.3): what was read, used and rejected, per input
// and in total, so that records = accepted + rejected can always be checked.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate

public struct InputReport {
    public var path: String
    public var format: InputFormat
    public var compressedBytes = 0
    public var bytes = 0
    public var gzipMembers = 0
    public var counts = FileCounts()
    public var corrupt: (offset: Int, reason: String, policy: CorruptPolicy)?

    package init(path: String, format: InputFormat) {
        self.path = path
        self.format = format
    }
}

public struct Accounting {
    public var records = 0, accepted = 0, rejected = 0, dossiers = 0, superseded = 0, inScope = 0, notReceived = 0
    public init() {}

    var cells: [(String, Cell)] {
        [("records", .int(Int64(records))), ("accepted", .int(Int64(accepted))), ("rejected", .int(Int64(rejected))),
         ("dossiers", .int(Int64(dossiers))), ("superseded", .int(Int64(superseded))),
         ("in_scope", .int(Int64(inScope))), ("not_received", .int(Int64(notReceived)))]
    }

    /// SPEC §3.4.
    public var balances: Bool {
        records == accepted + rejected && accepted == dossiers + superseded && dossiers == inScope + notReceived
    }
}

/// Why a run failed, for `last-failure/summary.json` (issue 18).
package struct RunFailure {
    package var exitCode: Int32
    package var message: String
    /// Inputs the run stopped before reading (their figures are 0).
    package var notRead: [String]

    package init(exitCode: Int32, message: String, notRead: [String]) {
        (self.exitCode, self.message, self.notRead) = (exitCode, message, notRead)
    }
}

/// summary.json's `state` object (issue 13): the generation the outputs match, the files read
/// this run and those the state already held (not read), the dossiers it keeps, why it
/// was rebuilt (nil: it was extended), whether the roll-up updated the sums the state
/// kept ("updated") or went over every dossier ("full"), and how many of the state's saved
/// dossiers the run loaded (only the new files' ids when the sums were updated and no
/// compaction was due).
package struct StateFigures: Sendable {
    package var generation: Int
    package var filesRead: Int
    package var filesSkipped: Int
    package var dossiers: Int
    package var rebuilt: String?
    package var rollupUpdated: Bool
    package var dossiersLoaded: Int
    package init(generation: Int, filesRead: Int, filesSkipped: Int, dossiers: Int, rebuilt: String?, rollupUpdated: Bool, dossiersLoaded: Int) {
        (self.generation, self.filesRead, self.filesSkipped, self.dossiers, self.rebuilt) = (generation, filesRead, filesSkipped, dossiers, rebuilt)
        (self.rollupUpdated, self.dossiersLoaded) = (rollupUpdated, dossiersLoaded)
    }
}

package struct SummaryOutput {
    package var pipeline: String
    package var rules: RuleSet
    package var periods: [Period]
    package var inputs: [InputReport]
    package var accounting: Accounting
    package var rejectsByReason: [String: Int]
    package var unknownUnits: [String]
    /// `report_units` of the pipeline (nil: every unit is reported).
    package var reportUnits: [String]?
    package var warnings: [String]
    package var wallSeconds: Double
    /// Decompressed bytes this run read, when not every input's (a state run): `mb_per_s`'s.
    package var bytesRead: Int?
    package var threads: Int
    /// The latest day among NgayTiepNhan, NgayKetThucXuLy and NgayTra of accepted records.
    package var newestRecordDay: Int32?
    /// False when the run failed before latest-wins was counted: dossiers, superseded,
    /// in_scope, not_received and unknown_units are then null.
    package var dossiersCounted = true
    /// Set in a failed run's summary only (last-failure/summary.json).
    package var failure: RunFailure?
    /// A run with a state between runs (`--state`): what the state did.
    package var state: StateFigures?

    package init(pipeline: String, rules: RuleSet, periods: [Period], inputs: [InputReport], accounting: Accounting,
                 rejectsByReason: [String: Int], unknownUnits: [String], warnings: [String], wallSeconds: Double, threads: Int) {
        (self.pipeline, self.rules, self.periods, self.inputs, self.accounting) = (pipeline, rules, periods, inputs, accounting)
        (self.rejectsByReason, self.unknownUnits, self.warnings) = (rejectsByReason, unknownUnits, warnings)
        (self.wallSeconds, self.threads) = (wallSeconds, threads)
    }

    package func json() -> [UInt8] {
        var o: [UInt8] = []
        func key(_ k: String, first: Bool = false) {
            o.append(contentsOf: Array((first ? "{\n  " : ",\n  ").utf8))
            JSONEncoding.appendString(k, to: &o)
            o.append(contentsOf: Array(": ".utf8))
        }
        func obj(_ pairs: [(String, Cell)]) {
            JSONEncoding.appendObject(pairs.map(\.0), pairs.map(\.1), to: &o)
        }
        func list(_ items: [String]) {
            o.append(UInt8(ascii: "["))
            for (i, s) in items.enumerated() {
                if i > 0 { o.append(UInt8(ascii: ",")) }
                JSONEncoding.appendString(s, to: &o)
            }
            o.append(UInt8(ascii: "]"))
        }
        key("schema_version", first: true); o.append(UInt8(ascii: "1"))
        key("motcua_version"); JSONEncoding.appendString(motcuaVersion, to: &o)
        key("pipeline"); JSONEncoding.appendString(pipeline, to: &o)
        if let f = failure {
            key("failure")
            obj([("exit_code", .int(Int64(f.exitCode))), ("message", .text(f.message))])
            o.removeLast()   // reopen the object for "not_read"
            o.append(contentsOf: Array(",\"not_read\":".utf8))
            list(f.notRead)
            o.append(UInt8(ascii: "}"))
        }
        key("rules"); JSONEncoding.appendString(rules.rawValue, to: &o)
        key("periods"); list(periods.map(\.label))
        key("report_units")
        if let units = reportUnits { list(units) } else { o.append(contentsOf: Array("null".utf8)) }
        key("inputs"); o.append(UInt8(ascii: "["))
        for (i, f) in inputs.enumerated() {
            o.append(contentsOf: Array((i == 0 ? "\n    " : ",\n    ").utf8))
            let head: [(String, Cell)] = [
                ("path", .text(f.path)), ("format", .text(f.format.rawValue)),
                ("compressed_bytes", .int(Int64(f.compressedBytes))), ("bytes", .int(Int64(f.bytes))),
                ("gzip_members", .int(Int64(f.gzipMembers))), ("records", .int(Int64(f.counts.records))),
                ("accepted", .int(Int64(f.counts.accepted))), ("rejected", .int(Int64(f.counts.rejected))),
            ]
            JSONEncoding.appendObject(head.map(\.0), head.map(\.1), to: &o)
            o.removeLast()   // reopen the object for "corrupt"
            o.append(contentsOf: Array(",\"corrupt\":".utf8))
            if let c = f.corrupt {
                obj([("offset", .int(Int64(c.offset))), ("reason", .text(c.reason)), ("policy", .text(c.policy.rawValue))])
            } else {
                o.append(contentsOf: Array("null".utf8))
            }
            o.append(UInt8(ascii: "}"))
        }
        o.append(contentsOf: Array((inputs.isEmpty ? "]" : "\n  ]").utf8))
        key("accounting"); obj(dossiersCounted ? accounting.cells : Array(accounting.cells.prefix(3)) + accounting.cells.dropFirst(3).map { ($0.0, null) })
        key("rejects_by_reason")
        obj(rejectsByReason.keys.sorted(by: bytewiseLess).map { ($0, .int(Int64(rejectsByReason[$0]!))) })
        key("unknown_units"); if dossiersCounted { list(unknownUnits) } else { o.append(contentsOf: Array("null".utf8)) }
        key("newest_record_day")
        if let d = newestRecordDay { JSONEncoding.appendString(formatDay(d), to: &o) } else { o.append(contentsOf: Array("null".utf8)) }
        key("warnings"); list(warnings)
        key("wall_seconds"); o.append(contentsOf: Array(fixed(wallSeconds, 3).utf8))
        let mb = bytesRead ?? inputs.reduce(0) { $0 + $1.bytes }
        key("mb_per_s"); o.append(contentsOf: Array(fixed(wallSeconds > 0 ? Double(mb) / 1e6 / wallSeconds : 0, 1).utf8))
        key("threads"); o.append(contentsOf: Array(String(threads).utf8))
        if let st = state {
            key("state")
            obj([("generation", .int(Int64(st.generation))), ("files_read", .int(Int64(st.filesRead))),
                 ("files_skipped", .int(Int64(st.filesSkipped))), ("dossiers", .int(Int64(st.dossiers))),
                 ("rebuilt", st.rebuilt.map { .text($0) } ?? null), ("rollup", .text(st.rollupUpdated ? "updated" : "full")),
                 ("dossiers_loaded", .int(Int64(st.dossiersLoaded)))])
        }
        o.append(contentsOf: Array("\n}\n".utf8))
        return o
    }

    /// One line of rejects.ndjson: the SPEC §7.3 keys, then `value` for an invalid_value reject.
    package static func appendReject(_ e: NumberedReject, to o: inout [UInt8]) {
        // Member by member (a night writes every reject the state holds: no arrays per reject).
        o.append(contentsOf: #"{"file":"#.utf8)
        JSONEncoding.appendString(e.file, to: &o)
        o.append(contentsOf: #","line":"#.utf8)
        appendInt(Int64(e.line), to: &o)
        o.append(contentsOf: #","reason":"#.utf8)
        JSONEncoding.appendString(e.reason, to: &o)
        o.append(contentsOf: #","excerpt":"#.utf8)
        JSONEncoding.appendString(String(decoding: e.excerpt, as: UTF8.self), to: &o)
        if let v = e.value {
            o.append(contentsOf: #","value":"#.utf8)
            JSONEncoding.appendString(String(decoding: v, as: UTF8.self), to: &o)
        }
        o.append(contentsOf: "}\n".utf8)
    }

    /// A reject as a failure message names it: `file:line: reason`, and an invalid_value's
    /// value quoted, shortened and escaped (`quotedForMessage`).
    package static func rejectForMessage(_ e: NumberedReject) -> String {
        "\(e.file):\(e.line): \(e.reason)" + (e.value.map { " " + quotedForMessage($0) } ?? "")
    }
}

/// One rejected record as rejects.ndjson has it: the file as reported, its physical line, the
/// reason, the first bytes of the record and, for an invalid_value reject, the value.
package typealias NumberedReject = (file: String, line: Int, reason: String, excerpt: [UInt8], value: [UInt8]?)

/// JSON `null` among cells (a micros cell without a value is written so).
private let null = Cell.micros(nil)

/// A non-negative number with `digits` decimals, without Foundation's locale.
package func fixed(_ v: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let n = Int64((v * scale).rounded())
    let whole = n / Int64(scale), frac = n % Int64(scale)
    var f = String(frac)
    while f.count < digits { f = "0" + f }
    return digits == 0 ? "\(whole)" : "\(whole).\(f)"
}
