// `motcua inspect FILE...`: what an export holds, before writing a pipeline for it.
import ArgumentParser
import Foundation
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import MotcuaRun
import MotcuaGenerate

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an export's format, gzip members, records, fields, dates, statuses, channels and rejects.",
        discussion: "Examples:\n  motcua inspect SampleData/exports/hoso-2024-03-01.ndjson.gz\n  motcua inspect exports/baocao-2024-03.xlsx\n  motcua inspect --json export.csv.gz > report.json")

    @Argument(help: "Export files: dvcqg-ndjson or csv (gzip or plain) or an .xlsx workbook; the format is detected.") var files: [String]
    @Flag(help: "Print JSON for tools instead of text.") var json = false
    @Option(name: .customLong("max-line-bytes"), help: "Line limit (as limits.max_line_bytes).") var maxLineBytes = 1 << 20

    func run() throws {
        var reports: [InspectReport] = []
        for f in files {
            do { reports.append(try Inspector.inspect(path: f, maxLineBytes: maxLineBytes)) } catch let e as InputOpenError {
                exitWith(MotcuaError(.noInput, e.message))
            } catch let e as MotcuaError {
                // A workbook of another kind (.xls, .ods, a plain zip): 65, as a run says it.
                exitWith(e)
            }
        }
        print(json ? jsonText(reports) : reports.map(text).joined(separator: "\n"))
        if let bad = reports.first(where: { $0.corrupt != nil }), let c = bad.corrupt {
            exitWith(MotcuaError(.data, "\(bad.path): corrupt input at compressed byte offset \(c.offset): \(c.reason)"))
        }
    }

    func text(_ r: InspectReport) -> String {
        var s = "\(r.path)\n"
        var format = "  format: \(r.format.rawValue)"
        if let d = r.delimiter { format += " (delimiter \(d == "\t" ? "tab" : "'\(d)'"))" }
        if let sheet = r.sheet {
            format += " (sheet '\(sheet)'" + (r.headerRow.map { ", header on row \($0)" } ?? ", no header row") + "), Excel workbook"
        } else if r.format == .xlsx {
            format += ", Excel workbook"
        } else {
            format += r.gzip ? ", gzip with \(r.gzipMembers) complete member\(r.gzipMembers == 1 ? "" : "s")" : ", plain text"
        }
        s += format + "\n"
        if let c = r.corrupt { s += "  CORRUPT: \(c.reason) at compressed byte offset \(c.offset); what follows covers the text before it\n" }
        s += "  bytes: \(r.compressedBytes) on disk, \(r.bytes) of text, \(r.lines) lines\n"
        s += "  records: \(r.counts.records) = accepted \(r.counts.accepted) + rejected \(r.counts.rejected)\n"
        if let a = r.receivedFrom, let b = r.receivedTo { s += "  NgayTiepNhan: \(a) .. \(b)\n" }
        if !r.statuses.isEmpty { s += "  TrangThaiHoSo: " + r.statuses.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + "\n" }
        if !r.channels.isEmpty { s += "  KenhThucHien: " + r.channels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + "\n" }
        if !r.fields.isEmpty {
            s += "  fields (filled in % of records):\n"
            for f in r.fields {
                let pct = r.counts.records > 0 ? 100.0 * Double(f.filled) / Double(r.counts.records) : 0
                s += "    " + f.name.padding(toLength: max(24, f.name.count), withPad: " ", startingAt: 0) + String(format: "%6.1f%%", pct) + "\n"
            }
        }
        if !r.rejectsByReason.isEmpty {
            s += "  rejects: " + r.rejectsByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
            for e in r.firstRejects { s += "    line \(e.line): \(e.reason)\n" }
        }
        for w in r.warnings { s += "  warning: \(w)\n" }
        return s
    }

    func jsonText(_ reports: [InspectReport]) -> String {
        let objects: [[String: Any]] = reports.map { r in
            var o: [String: Any] = [
                "path": r.path, "format": r.format.rawValue, "gzip": r.gzip, "gzip_members": r.gzipMembers,
                "compressed_bytes": r.compressedBytes, "bytes": r.bytes, "lines": r.lines,
                "records": r.counts.records, "accepted": r.counts.accepted, "rejected": r.counts.rejected,
                "fields": r.fields.map { ["name": $0.name, "filled": $0.filled] as [String: Any] },
                "received_from": r.receivedFrom ?? NSNull(), "received_to": r.receivedTo ?? NSNull(),
                "statuses": Dictionary(uniqueKeysWithValues: r.statuses.map { ("\($0.key)", $0.value) }),
                "channels": Dictionary(uniqueKeysWithValues: r.channels.map { ("\($0.key)", $0.value) }),
                "rejects_by_reason": r.rejectsByReason,
                "first_rejects": r.firstRejects.map { ["line": $0.line, "reason": $0.reason] as [String: Any] },
                "warnings": r.warnings,
            ]
            o["delimiter"] = r.delimiter ?? NSNull()
            o["sheet"] = r.sheet ?? NSNull()
            o["header_row"] = r.headerRow ?? NSNull()
            o["corrupt"] = r.corrupt.map { ["offset": $0.offset, "reason": $0.reason] as [String: Any] } ?? NSNull()
            return o
        }
        let data = try! JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }
}
