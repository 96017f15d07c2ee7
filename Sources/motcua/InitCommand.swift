// `motcua init FILE...`: drafts a commented pipeline from a new vendor's exports.
import ArgumentParser
import Foundation
import MotcuaFoundation
import MotcuaReading
import MotcuaRun

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Draft a pipeline from export files: format, columns, date form, labels to map, period.",
        discussion: """
        Reads the files as `inspect` does and writes a commented pipeline: the format (delimiter, \
        sheet, header row), the columns whose headers differ from the defaults, the one date form \
        the dates use, the labels no built-in list maps (to be given codes), the months the data \
        covers, and the catalogs to give. Nothing is overwritten.

        Example:
          motcua init exports/baocao-2024-03-*.xlsx --out pipelines/huyen.yaml
          motcua validate pipelines/huyen.yaml
        """)

    @Argument(help: "Export files (CSV, NDJSON, .xlsx; gzip or not).") var files: [String]
    @Option(help: "Where to write the pipeline (default: print it). Paths in it are relative to this file's folder.")
    var out: String?
    @Option(help: "The pipeline's name (default: the --out file's name, or 'draft').") var name: String?

    func run() throws {
        let target = out ?? FileManager.default.currentDirectoryPath + "/draft.yaml"
        if let out, FileManager.default.fileExists(atPath: out) {
            exitWith(MotcuaError(.cantCreate, "\(out) exists; init never overwrites a pipeline (choose another --out)"))
        }
        let pipelineName = name ?? out.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? "draft"
        let text: String
        do {
            text = try PipelineDraft.draft(files: files, pipelinePath: target, name: pipelineName)
        } catch let e as InputOpenError {
            exitWith(MotcuaError(.noInput, e.message))
        } catch let e as MotcuaError {
            exitWith(e)
        }
        guard let out else { return print(text, terminator: "") }
        do {
            let url = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .withoutOverwriting)
        } catch {
            exitWith(MotcuaError(.cantCreate, "\(out): cannot be written (\(error))"))
        }
        FileHandle.standardError.write(Data("motcua: drafted \(out); read its comments, give the catalogs, then: motcua validate \(out)\n".utf8))
    }
}
