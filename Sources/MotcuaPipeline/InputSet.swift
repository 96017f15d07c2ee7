// The input order of SPEC §2.1: every path matched by every input, relative to the pipeline
// directory, de-duplicated and sorted bytewise as one list — one file reached by several
// paths (a symlink, a hard link) read once, at the first of its paths, with a warning.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import Foundation

package enum InputSet {
    /// What the inputs' patterns match: the files in input order, every pattern that matches
    /// nothing, and the first path two inputs would read differently.
    package struct Matches {
        package var files: [InputFile] = []
        package var unmatched: [(input: Int, pattern: String)] = []
        package var conflict: String?
        /// Symlinks not followed and files reached by several paths (for summary.json).
        package var warnings: [String] = []
    }

    /// The input order, or exit 66 naming every pattern that matched no file (78 for a path
    /// two inputs read differently); `Interrupted` when `isCancelled` says so while listing.
    package static func resolve(_ pipeline: Pipeline, isCancelled: () -> Bool = { false }) throws -> (files: [InputFile], warnings: [String]) {
        let m = try match(pipeline, isCancelled: isCancelled)
        if let c = m.conflict { throw MotcuaError(.config, c) }
        guard m.unmatched.isEmpty else {
            let each = m.unmatched.map { "'\($0.pattern)' (inputs[\($0.input)])" }.joined(separator: ", ")
            throw MotcuaError(.noInput, "no input matched \(each), relative to \(pipeline.directory)")
        }
        return (m.files, m.warnings)
    }

    /// Expands every pattern (reads no file: `motcua validate` uses this too). `isCancelled`
    /// is asked at each directory read and every 1,024 names or files: `Interrupted` then.
    package static func match(_ pipeline: Pipeline, isCancelled: () -> Bool = { false }) throws -> Matches {
        var out = Matches()
        var byPath: [String: (Int, InputFile)] = [:]
        var found: [InputFile] = []
        let base = URL(fileURLWithPath: pipeline.directory, isDirectory: true)
        let basePath = base.standardizedFileURL.path
        do {
            for (i, spec) in pipeline.inputs.enumerated() {
                for pattern in spec.patterns {
                    let matches = try Glob.expand(pattern, base: pipeline.directory, warnings: &out.warnings, isCancelled: isCancelled)
                    if matches.isEmpty { out.unmatched.append((i, pattern)) }
                    for (n, rel) in matches.enumerated() {
                        if n % 1024 == 1023, isCancelled() { throw Interrupted() }
                        let abs = rel.hasPrefix("/") ? rel : absolutePath(rel, base: base, basePath: basePath)
                        if let (j, other) = byPath[rel], j != i, !sameSettings(other.spec, spec), out.conflict == nil {
                            out.conflict = "\(rel) is matched by inputs[\(j)] and inputs[\(i)], which read it differently"
                        }
                        if byPath[rel] == nil { byPath[rel] = (i, InputFile(relativePath: rel, absolutePath: abs, spec: spec)) }
                    }
                }
            }
            found = byPath.values.map(\.1)
            var seen: [FileIdentity: String] = [:]
            for (n, k) in try bytewiseOrder(found.map(\.relativePath), isCancelled: isCancelled).enumerated() {
                if n % 1024 == 1023, isCancelled() { throw Interrupted() }
                let file = found[k]
                if let id = Glob.identity(file.absolutePath) {
                    if let first = seen[id] {
                        out.warnings.append("'\(file.relativePath)' is the same file as '\(first)': read once, as '\(first)'")
                        continue
                    }
                    seen[id] = file.relativePath
                }
                out.files.append(file)
            }
        } catch {
            // Hundreds of thousands of files in hand take longer to free than a signal may wait.
            freeInBackground(&byPath, leaving: [:])
            freeInBackground(&found, leaving: [])
            freeInBackground(&out.files, leaving: [])
            throw error
        }
        return out
    }

    /// `rel` from the pipeline's directory (`base`, standardized: `basePath`), standardized as
    /// Foundation does; plain names joined as strings (a URL per file took ~16 µs: tens of ms a
    /// night over a year's exports), `.`, `..` or empty segments left to Foundation.
    static func absolutePath(_ rel: String, base: URL, basePath: String) -> String {
        let plain = !rel.isEmpty && rel.utf8.last != UInt8(ascii: "/")
            && !rel.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty || $0 == "." || $0 == ".." }
        guard plain, basePath.hasPrefix("/") else { return URL(fileURLWithPath: rel, relativeTo: base).standardizedFileURL.path }
        return basePath == "/" ? "/" + rel : basePath + "/" + rel
    }

    /// Two inputs may share a path when they differ only in `paths` (SPEC §3.5).
    static func sameSettings(_ a: InputSpec, _ b: InputSpec) -> Bool {
        a.format == b.format && a.delimiter == b.delimiter && a.dateForm == b.dateForm && a.columns == b.columns
            && a.labels == b.labels && a.sheet == b.sheet && a.headerRow == b.headerRow
    }
}
