// `motcua validate PIPELINE...`: checks pipelines and catalogs, reads no exports.
import ArgumentParser
import Foundation
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import MotcuaRun
import MotcuaGenerate

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check pipeline files, their catalogs and that every input pattern matches a file; report every problem at once (exit 78 for config problems, else 66 when a pattern matches nothing).",
        discussion: "Example:\n  motcua validate pipelines/*.yaml")

    @Argument(help: "Pipeline files.") var pipelines: [String]
    @Flag(name: .customLong("list-inputs"), help: "Print each input file in input order as a JSON line (path from the pipeline's directory, absolute_path, bytes) on stdout; messages go to stderr. A cluster driver cuts its map tasks from it.")
    var listInputs = false

    func run() throws {
        var all: [ConfigIssue] = []
        var unmatched: [String] = []
        for path in pipelines {
            var issues: [ConfigIssue] = []
            var missing: [String] = []
            if let p = PipelineLoader.load(path: path, issues: &issues) {
                _ = p.loadCatalogs(issues: &issues)
                // Globbing reads no export; a pattern that matches nothing is exit 66, as in a run (SPEC §7.2).
                let m = try InputSet.match(p)
                if let c = m.conflict { issues.append(ConfigIssue(file: path, path: "inputs", reason: c)) }
                missing = m.unmatched.map { "\(path): inputs[\($0.input)].paths: no file matches '\($0.pattern)' (relative to \(p.directory))" }
                for w in m.warnings { FileHandle.standardError.write(Data("\(path): warning: \(w)\n".utf8)) }
            }
            if issues.isEmpty && missing.isEmpty {
                if listInputs, let p = PipelineLoader.load(path: path, issues: &issues) {
                    try printInputs(p)
                } else {
                    print("\(path): ok")
                }
            }
            all += issues
            unmatched += missing
        }
        for i in all { FileHandle.standardError.write(Data("\(i)\n".utf8)) }
        for u in unmatched { FileHandle.standardError.write(Data("\(u)\n".utf8)) }
        let patterns = unmatched.isEmpty ? "" : "\(unmatched.count) input pattern(s) match no file"
        if !all.isEmpty {
            exitWith(MotcuaError(.config, "\(all.count) problem(s) found" + (patterns.isEmpty ? "" : "; " + patterns)))
        }
        if !unmatched.isEmpty { exitWith(MotcuaError(.noInput, patterns)) }
    }

    private struct ListedInput: Encodable {
        var path: String
        var absolute_path: String
        var bytes: Int
    }

    private func printInputs(_ pipeline: Pipeline) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for f in try InputSet.resolve(pipeline).files {
            out += try encoder.encode(ListedInput(path: f.relativePath, absolute_path: f.absolutePath, bytes: f.sizeOnDisk ?? 0))
            out += Data("\n".utf8)
        }
        FileHandle.standardOutput.write(out)
    }
}
