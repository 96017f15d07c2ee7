// The input order of SPEC §2.1: every path matched by every input, relative to the pipeline
// directory, de-duplicated and sorted bytewise as one list.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import Foundation

package enum InputSet {
    package static func resolve(_ pipeline: Pipeline) throws -> [InputFile] {
        var byPath: [String: (Int, InputFile)] = [:]
        for (i, spec) in pipeline.inputs.enumerated() {
            for pattern in spec.patterns {
                let matches = Glob.expand(pattern, base: pipeline.directory)
                guard !matches.isEmpty else {
                    throw MotcuaError(.noInput, "no input matched '\(pattern)' (inputs[\(i)], relative to \(pipeline.directory))")
                }
                for rel in matches {
                    let abs = rel.hasPrefix("/") ? rel : URL(fileURLWithPath: rel, relativeTo: URL(fileURLWithPath: pipeline.directory, isDirectory: true)).standardizedFileURL.path
                    if let (j, other) = byPath[rel], j != i, !sameSettings(other.spec, spec) {
                        throw MotcuaError(.config, "\(rel) is matched by inputs[\(j)] and inputs[\(i)], which read it differently")
                    }
                    if byPath[rel] == nil { byPath[rel] = (i, InputFile(relativePath: rel, absolutePath: abs, spec: spec)) }
                }
            }
        }
        return byPath.values.map(\.1).sorted { bytewiseLess($0.relativePath, $1.relativePath) }
    }

    /// Two inputs may share a path when they differ only in `paths` (SPEC §3.5).
    static func sameSettings(_ a: InputSpec, _ b: InputSpec) -> Bool {
        a.format == b.format && a.delimiter == b.delimiter && a.dateForm == b.dateForm && a.columns == b.columns
    }
}
