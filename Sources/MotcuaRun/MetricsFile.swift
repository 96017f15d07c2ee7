// --metrics-file: the run's figures in the Prometheus text exposition format, for
// node_exporter's textfile collector; written atomically (temp file + rename) after every
// run, failed ones included, keeping the last success time — and the newest record's day of
// the outputs that last success published — across failures.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum MetricsFile {
    /// Writes the metrics of a finished run. `report` is nil when the run failed.
    public static func write(path: String, pipeline: String, report: RunReport?, exitStatus: Int32,
                             seconds: Double, now: Date = Date()) throws {
        try write(path: path, pipeline: pipeline, report: report, exitStatus: exitStatus, seconds: seconds, database: nil, now: now)
    }

    /// `database` is nil without `outputs.postgres` (or when the run stopped before it was checked).
    package static func write(path: String, pipeline: String, report: RunReport?, exitStatus: Int32,
                              seconds: Double, database: DatabaseOutcome?, now: Date = Date()) throws {
        let name = pipeline.isEmpty ? (report?.pipeline ?? "") : pipeline
        let label = "pipeline=\"\(escape(name))\""
        var lastSuccess = previous("last_success_timestamp_seconds", path)
        var newest = previous("newest_record_timestamp_seconds", path)
        if let r = report, exitStatus == 0 {
            lastSuccess = now.timeIntervalSince1970
            // The start of the newest record's day (local midnight in the pipeline's timezone).
            newest = r.newestRecordDay.map { Double(Int($0) * 86400 - r.zoneMinutes * 60) }
        }
        var out = ""
        func metric(_ n: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP motcua_\(n) \(help)\n# TYPE motcua_\(n) gauge\n"
            for (labels, v) in samples { out += "motcua_\(n){\(labels)} \(format(v))\n" }
        }
        metric("run_exit_status", "Exit status of the last run (0 = success).", [(label, Double(exitStatus))])
        metric("run_duration_seconds", "Wall time of the last run.", [(label, seconds)])
        if let t = lastSuccess {
            metric("last_success_timestamp_seconds", "Unix time of the last successful run.", [(label, t)])
        }
        if let t = newest {
            metric("newest_record_timestamp_seconds",
                   "Unix time of the start of the newest record's day (summary.json newest_record_day) in the last successful run.",
                   [(label, t)])
        }
        if let r = report {
            let a = r.accounting
            metric("records", "Records read in the last run, by outcome.", [
                ("\(label),outcome=\"read\"", Double(a.records)), ("\(label),outcome=\"accepted\"", Double(a.accepted)),
                ("\(label),outcome=\"rejected\"", Double(a.rejected))])
            metric("dossiers", "Dossiers after latest-wins in the last run.", [
                ("\(label),scope=\"all\"", Double(a.dossiers)), ("\(label),scope=\"in_scope\"", Double(a.inScope)),
                ("\(label),scope=\"not_received\"", Double(a.notReceived))])
            metric("superseded_records", "Accepted records replaced by a later version.", [(label, Double(a.superseded))])
            metric("rejects", "Rejected records by reason in the last run.",
                   r.rejectsByReason.keys.sorted().map { ("\(label),reason=\"\(escape($0))\"", Double(r.rejectsByReason[$0]!)) })
            metric("input_bytes", "Input bytes read in the last run.", [
                ("\(label),kind=\"compressed\"", Double(r.compressedBytes)), ("\(label),kind=\"decompressed\"", Double(r.bytes))])
            metric("output_rows", "Counter rows written in the last run.", [(label, Double(r.rows))])
            if let st = r.state {
                metric("state_generation", "Generation of the state the last run committed (--state).", [(label, Double(st.generation))])
                metric("state_files", "Input files the last run read, and those the state already held (not read).", [
                    ("\(label),kind=\"read\"", Double(st.filesRead)), ("\(label),kind=\"skipped\"", Double(st.filesSkipped))])
                metric("state_dossiers", "Dossiers the state keeps.", [(label, Double(st.dossiers))])
                metric("state_rebuilt", "1 when the last run rebuilt the state from every input file.", [(label, st.rebuilt == nil ? 0 : 1)])
                metric("state_rollup_updated", "1 when the last run's roll-up updated the sums the state kept, 0 when it went over every dossier.",
                       [(label, st.rollupUpdated ? 1 : 0)])
                metric("state_dossiers_loaded", "Saved dossiers the last run loaded from the state (the new files' ids alone when it updated the kept sums).",
                       [(label, Double(st.dossiersLoaded))])
            }
        }
        switch database {
        case .written(let db)?:
            metric("database_write_failed", "1 when the last run could not check or write its database (outputs.postgres).", [(label, 0)])
            metric("database_rows", "Rows the last run committed to its database, by table.",
                   db.rows.map { ("\(label),table=\"\($0.table)\"", Double($0.count)) })
            metric("database_write_seconds", "Wall time of the last run's database transaction.", [(label, db.seconds)])
        case .failed?:
            metric("database_write_failed", "1 when the last run could not check or write its database (outputs.postgres).", [(label, 1)])
        case nil: break
        }
        let temp = "\(path).motcua-tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temp, contents: Data(out.utf8)) else {
            throw OutputError(kind: .io, message: "\(path): cannot write metrics file")
        }
        guard rename(temp, path) == 0 else {
            unlink(temp)
            throw OutputError(kind: .io, message: "\(path): cannot rename metrics file: \(String(cString: strerror(errno)))")
        }
    }

    /// A metric's value in the file an earlier run wrote.
    static func previous(_ name: String, _ path: String) -> Double? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("motcua_\(name){") {
            if let v = line.split(separator: " ").last.flatMap({ Double($0) }) { return v }
        }
        return nil
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.3f", v)
    }
}
