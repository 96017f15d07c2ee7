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
        abstract: "Check pipeline files and their catalogs; report every problem at once (exit 78 when any).",
        discussion: "Example:\n  motcua validate pipelines/*.yaml")

    @Argument(help: "Pipeline files.") var pipelines: [String]

    func run() throws {
        var all: [ConfigIssue] = []
        for path in pipelines {
            var issues: [ConfigIssue] = []
            if let p = PipelineLoader.load(path: path, issues: &issues) {
                _ = p.loadCatalogs(issues: &issues)
            }
            if issues.isEmpty { print("\(path): ok") }
            all += issues
        }
        if !all.isEmpty {
            for i in all { FileHandle.standardError.write(Data("\(i)\n".utf8)) }
            exitWith(MotcuaError(.config, "\(all.count) problem(s) found"))
        }
    }
}
