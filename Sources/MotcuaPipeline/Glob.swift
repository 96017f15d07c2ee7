// Glob expansion relative to the pipeline directory (SPEC §2.1, §3.5): `*`, `?`, `[...]`
// (`[!...]` negates) within one segment, `**/` for zero or more directories; `*` and `?`
// never match `/` or a leading `.`. Results are paths relative to the base, `.` removed.
// A directory is walked once (by device and inode): a symlink that leads back into one being
// walked, or to one walked already, is not followed, and the warning names it.
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
        var warnings: [String] = []
        return expand(pattern, base: base, warnings: &warnings)
    }

    /// As `expand`, with a warning for each symlink not followed.
    public static func expand(_ pattern: String, base: String, warnings: inout [String]) -> [String] {
        // Never asked to stop, so never stops.
        (try? expand(pattern, base: base, warnings: &warnings, isCancelled: { false })) ?? []
    }

    /// As `expand`, asking `isCancelled` at each directory it reads and every 1,024 names it
    /// looks at: a `**/` over a huge tree (or a slow network filesystem) stops within one of
    /// them, throwing `Interrupted`.
    public static func expand(_ pattern: String, base: String, warnings: inout [String],
                              isCancelled: () -> Bool) throws -> [String] {
        let absolute = pattern.hasPrefix("/")
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
        var (results, found, interrupted) = withoutActuallyEscaping(isCancelled) { isCancelled in
            var walk = Walk(root: absolute ? "" : base, isCancelled: isCancelled)
            walk.walk(segments[...], relative: absolute ? "/" : "")
            return (walk.results, walk.warnings, walk.interrupted)
        }
        // Each path once, asking between pieces: hashing hundreds of thousands of paths takes
        // longer than a signal may wait.
        var seen = Set<String>(), unique: [String] = []
        if !interrupted {
            seen.reserveCapacity(results.count)
            for (n, path) in results.enumerated() {
                if n % 4096 == 4095, isCancelled() { interrupted = true; break }
                if seen.insert(path).inserted { unique.append(path) }
            }
        }
        if interrupted {
            // Hundreds of thousands of paths take longer to free than a signal may wait.
            freeInBackground(&results, leaving: [])
            freeInBackground(&seen, leaving: [])
            freeInBackground(&unique, leaving: [])
            throw Interrupted()
        }
        warnings += found
        freeInBackground(&seen, leaving: [])
        return unique
    }

    /// Device and inode of what `path` leads to (symlinks followed), or nil.
    package static func identity(_ path: String) -> FileIdentity? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }
}

/// A file or directory as the kernel knows it, whatever path leads there.
package struct FileIdentity: Hashable {
    let device: UInt64
    let inode: UInt64
}

/// One pattern's expansion: the files found and the directories walked so far.
private struct Walk {
    let root: String
    let isCancelled: () -> Bool
    /// Set once `isCancelled` said so: the walk returns without looking further.
    var interrupted = false
    /// Names looked at since `isCancelled` was last asked.
    var namesSinceAsked = 0
    var results: [String] = []
    var warnings: [String] = []
    /// Directories a `**` has descended into (by the pattern segments left at that `**`:
    /// `**/a/**` may pass one directory at each), with the path that reached them first.
    var walked: [WalkKey: String] = [:]

    struct WalkKey: Hashable {
        let directory: FileIdentity
        let segmentsLeft: Int
    }

    init(root: String, isCancelled: @escaping () -> Bool) {
        self.root = root
        self.isCancelled = isCancelled
    }

    /// Whether to stop, asked once per directory read (`names` 0) and once per 1,024 names.
    mutating func stopping(names: Int = 0) -> Bool {
        if interrupted { return true }
        namesSinceAsked += names
        guard names == 0 || namesSinceAsked >= 1024 else { return false }
        namesSinceAsked = 0
        interrupted = isCancelled()
        return interrupted
    }

    private static func hasMagic(_ s: String) -> Bool { s.contains { $0 == "*" || $0 == "?" || $0 == "[" } }

    private static func join(_ a: String, _ b: String) -> String {
        a.isEmpty ? b : (a.hasSuffix("/") ? a + b : a + "/" + b)
    }

    mutating func walk(_ segs: ArraySlice<String>, relative: String) {
        if interrupted { return }
        let full = relative.hasPrefix("/") ? relative : Walk.join(root, relative)
        guard let seg = segs.first else {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue, !relative.isEmpty {
                results.append(relative)
            }
            return
        }
        let rest = segs.dropFirst()
        if seg == "**" {
            // Each directory once: a symlink back into the walk (or to a directory walked
            // already) would read the same files again, or forever.
            if let dir = Glob.identity(full.isEmpty ? "." : full) {
                let id = WalkKey(directory: dir, segmentsLeft: segs.count)
                if let first = walked[id] {
                    warnings.append("'\(relative)' leads to the directory '\(first.isEmpty ? "." : first)' walked already (a symbolic link): not followed")
                    return
                }
                walked[id] = relative
            }
            walk(rest, relative: relative)   // zero directories
            for name in entries(full) where !name.hasPrefix(".") {
                if stopping(names: 1) { return }
                if Walk.isDirectory(Walk.join(full, name)) { walk(segs, relative: Walk.join(relative, name)) }
            }
            return
        }
        if !Walk.hasMagic(seg) {
            walk(rest, relative: Walk.join(relative, seg))
            return
        }
        for name in entries(full) where fnmatch(seg, name, FNM_PERIOD) == 0 {
            if stopping(names: 1) { return }
            let next = Walk.join(relative, name)
            if rest.isEmpty || Walk.isDirectory(Walk.join(full, name)) {
                walk(rest, relative: next)
            }
        }
    }

    /// A directory's names in bytewise order: the walk, and which of two routes to one
    /// directory is taken, do not depend on the file system's order. None once stopping.
    private mutating func entries(_ dir: String) -> [String] {
        if stopping() { return [] }
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []).sorted(by: bytewiseLess)
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}
