// Glob expansion relative to the pipeline directory (SPEC §2.1, §3.5): `*`, `?`, `[...]`
// (`[!...]` negates) within one segment, `**/` for zero or more directories; `*` and `?`
// never match `/` or a leading `.`. Results are paths relative to the base, `.` removed.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum Glob {
    /// Relative paths (or absolute ones for absolute patterns) of regular files matching `pattern`.
    public static func expand(_ pattern: String, base: String) -> [String] {
        let absolute = pattern.hasPrefix("/")
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
        var results: [String] = []
        walk(segments[...], relative: absolute ? "/" : "", root: absolute ? "" : base, into: &results)
        return Array(Set(results))
    }

    private static func hasMagic(_ s: String) -> Bool { s.contains { $0 == "*" || $0 == "?" || $0 == "[" } }

    private static func join(_ a: String, _ b: String) -> String {
        a.isEmpty ? b : (a.hasSuffix("/") ? a + b : a + "/" + b)
    }

    private static func walk(_ segs: ArraySlice<String>, relative: String, root: String, into out: inout [String]) {
        let full = relative.hasPrefix("/") ? relative : join(root, relative)
        guard let seg = segs.first else {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue, !relative.isEmpty {
                out.append(relative)
            }
            return
        }
        let rest = segs.dropFirst()
        if seg == "**" {
            walk(rest, relative: relative, root: root, into: &out)   // zero directories
            for name in entries(full) where !name.hasPrefix(".") && isDirectory(join(full, name)) {
                walk(segs, relative: join(relative, name), root: root, into: &out)
            }
            return
        }
        if !hasMagic(seg) {
            walk(rest, relative: join(relative, seg), root: root, into: &out)
            return
        }
        for name in entries(full) where fnmatch(seg, name, FNM_PERIOD) == 0 {
            let next = join(relative, name)
            if rest.isEmpty || isDirectory(join(full, name)) {
                walk(rest, relative: next, root: root, into: &out)
            }
        }
    }

    private static func entries(_ dir: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}
