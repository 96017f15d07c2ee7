// Publishing outputs all-or-nothing (SPEC §7.2, issue 19). A flock on `.motcua.lock` excludes
// other runs. Two ways, both atomic, chosen before any input is read:
//
// - exchange (an ordinary directory): the new files, written and fsynced beside the outputs
//   as they were rendered, move into a sibling staging directory that also holds hard links
//   to everything else in the output directory (the lock file included); one
//   renameat2(RENAME_EXCHANGE) swaps the two directories.
// - generations (GenerationPublisher.swift) where the exchange cannot work: the directory is a
//   mount point, its parent is not writable, it holds a subdirectory (which cannot be hard
//   linked), or the filesystem cannot exchange. Each set is a folder inside the directory and
//   one symlink switched by rename makes it current.
//
// Where neither works (no exchange and no symlinks), the run is refused before reading (73).
// A manifest (`.motcua-manifest`) lists what the published set holds: motcua drops only
// files it wrote, and says which output-like files it left alone. Besides the output files
// the publisher owns `last-failure/` (LastFailure.swift): a successful publish drops it.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import CMotcuaSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class OutputDirectory {
    public enum Method: Equatable, Sendable { case exchange, generations }

    public let path: String
    public private(set) var method: Method = .exchange
    /// What the publisher chose or left alone, for the run's log (never its outputs).
    private var notes: [String] = []
    private var lockFD: Int32 = -1
    private var staging: String?
    /// A generation folder written by this run and not (yet) current.
    var pendingGeneration: String?
    /// Every file name a run may publish.
    static let outputNames = OutputFiles.names
    static let tempMarker = temporaryFileMarker
    static let manifestName = ".motcua-manifest"

    /// Creates the directory if needed, takes the lock and chooses how to publish; fails
    /// before any input is read.
    public init(path: String) throws {
        // A symlinked output directory is published into its target (the link stays a link).
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        self.path = realpath(absolute, nil).map { p in defer { free(p) }; return String(cString: p) } ?? absolute
        // mkdir -p by hand, so the message carries the system's reason (e.g. "Not a directory").
        var built = ""
        for part in self.path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o755) != 0 && errno != EEXIST {
                throw OutputError(kind: .unwritable, message: "\(path): cannot create output directory \(built): \(String(cString: strerror(errno)))")
            }
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: self.path, isDirectory: &isDir), isDir.boolValue else {
            throw OutputError(kind: .unwritable, message: "\(path): not a directory")
        }
        let lockPath = self.path + "/.motcua.lock"
        lockFD = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else {
            throw OutputError(kind: .unwritable, message: "\(lockPath): cannot create lock file: \(String(cString: strerror(errno)))")
        }
        if flock(lockFD, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            close(lockFD)
            lockFD = -1
            if e == EWOULDBLOCK {
                throw OutputError(kind: .locked, message: "\(path): another motcua run holds \(lockPath)")
            }
            throw OutputError(kind: .unwritable, message: "\(lockPath): cannot lock: \(String(cString: strerror(e)))")
        }
        guard access(self.path, W_OK) == 0 else {
            throw OutputError(kind: .unwritable, message: "\(path): output directory is not writable")
        }
        removeStaleTemporaries()
        if let reason = try exchangeObstacle() { try useGenerations(because: reason) }
    }

    deinit {
        discard()
        if lockFD >= 0 { close(lockFD) }
    }

    var parent: String { (path as NSString).deletingLastPathComponent }
    private var stagingPrefix: String { "\(parent)/.\((path as NSString).lastPathComponent)\(OutputDirectory.tempMarker)" }

    /// Staging directories and temporary files left by runs that were killed.
    private func removeStaleTemporaries() {
        let fm = FileManager.default
        for n in (try? fm.contentsOfDirectory(atPath: parent)) ?? [] where "\(parent)/\(n)".hasPrefix(stagingPrefix) {
            try? fm.removeItem(atPath: "\(parent)/\(n)")
        }
        for n in (try? fm.contentsOfDirectory(atPath: path)) ?? [] where n.hasPrefix(OutputDirectory.tempMarker) {
            removeFileOrFolder(path + "/" + n)
        }
        removeStaleGenerations()
    }

    /// The errors of renameat2(RENAME_EXCHANGE) that say the exchange cannot be done here (the
    /// filesystem or kernel lacks it, another mount, a policy); any other is a failure.
    static let exchangeRefusals: Set<Int32> = [EINVAL, ENOSYS, EXDEV, EPERM, EBUSY]
    /// The errors of symlink(2) that say the filesystem has no symbolic links.
    static let symlinkRefusals: Set<Int32> = [EPERM, EOPNOTSUPP, ENOSYS]

    /// Why the directory exchange cannot publish here, or nil when it can. An I/O error of the
    /// probe stops the run (73) rather than switch the directory to generations for good.
    private func exchangeObstacle() throws -> String? {
        if FileManager.default.fileExists(atPath: generationsPath) { return "an earlier run published it that way" }
        if isMountPoint(path) { return "it is a mount point" }
        if access(parent, W_OK) != 0 { return "its parent directory \(parent) is not writable" }
        let fm = FileManager.default
        for n in ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted()
        where n != OutputDirectory.lastFailureName && !n.hasPrefix(OutputDirectory.tempMarker) {
            var st = stat()
            if lstat("\(path)/\(n)", &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { return "it holds a folder (\(n))" }
        }
        // Two empty folders beside it, exchanged and removed: the filesystem can do it or not.
        let a = "\(stagingPrefix)probe-\(getpid())-a", b = "\(stagingPrefix)probe-\(getpid())-b"
        defer { rmdir(a); rmdir(b) }
        guard mkdir(a, 0o700) == 0, mkdir(b, 0o700) == 0 else { return "no folder can be made beside it" }
        if motcua_exchange_paths(a, b) != 0 {
            let e = errno
            guard OutputDirectory.exchangeRefusals.contains(e) else {
                throw OutputError(kind: .unwritable, message: "\(path): cannot try the directory exchange beside it: \(String(cString: strerror(e)))")
            }
            return "its filesystem cannot exchange two folders in one step"
        }
        return nil
    }

    /// Generations need symbolic links; without them no atomic way is left (73).
    private func useGenerations(because reason: String) throws {
        let probe = temporaryPath("symlink-probe")
        defer { unlink(probe) }
        guard symlink(OutputDirectory.generationsName, probe) == 0 else {
            let e = errno
            guard OutputDirectory.symlinkRefusals.contains(e) else {
                throw OutputError(kind: .unwritable, message: "\(path): cannot create a symbolic link in it: \(String(cString: strerror(e)))")
            }
            throw OutputError(kind: .unwritable, message: "\(path): cannot publish outputs atomically here: \(reason), "
                + "and its filesystem has no symbolic links (\(String(cString: strerror(e)))); "
                + "choose an output directory on a local filesystem (ext4, xfs, btrfs, tmpfs)")
        }
        method = .generations
        notes.append("\(path): \(reason), so each set of outputs is published as a folder in \(OutputDirectory.generationsName)/ "
            + "and the files are links through \(OutputDirectory.generationsName)/current")
    }

    /// The notes not yet taken (the run logs them).
    public func takeNotes() -> [String] {
        defer { notes = [] }
        return notes
    }

    /// A path for a file written in pieces (cleaned up like every temporary file).
    public func temporaryPath(_ name: String) -> String {
        "\(path)/\(OutputDirectory.tempMarker)\(getpid())-\(name)"
    }

    /// Moves in the files, written and fsynced at `temporaryPath`s (the renderers stream
    /// them there), then makes them all visible together. Old outputs that this set does not
    /// hold are dropped only if the previous manifest lists them. `isCancelled` is asked
    /// before anything moves: `Interrupted` then, with this run's files left for `discard()`.
    public func publish(_ files: [(name: String, path: String)], isCancelled: () -> Bool = { false }) throws {
        if isCancelled() { throw Interrupted() }
        let previous = previousManifest()
        let produced = files.map(\.name)
        noteLeftAlone(previous: previous, produced: Set(produced))
        if method == .exchange {
            if let obstacle = try publishByExchange(files, produced: produced, previous: previous) {
                try useGenerations(because: obstacle)
            } else {
                return
            }
        }
        try publishGeneration(files, produced: produced, previous: previous)
    }

    /// The exchange; nil when published, or why it could not be (nothing changed then).
    private func publishByExchange(_ moving: [(name: String, path: String)], produced: [String],
                                   previous: Set<String>) throws -> String? {
        let stage = "\(stagingPrefix)\(getpid())"
        staging = stage
        var st = stat()
        let mode = stat(path, &st) == 0 ? st.st_mode & 0o7777 : 0o755
        guard mkdir(stage, mode) == 0 else { return "no folder can be made beside it (\(String(cString: strerror(errno))))" }
        chmod(stage, mode)
        func giveUp(_ reason: String) -> String {
            for m in moving { rename("\(stage)/\(m.name)", m.path) }
            try? FileManager.default.removeItem(atPath: stage)
            staging = nil
            return reason
        }
        // Keep what else the directory holds (the lock file first of all).
        for n in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where keepsAcrossPublish(n, produced: produced, previous: previous) {
            guard link("\(path)/\(n)", "\(stage)/\(n)") == 0 else {
                return giveUp("\(n) cannot be hard-linked (\(String(cString: strerror(errno))))")
            }
        }
        for m in moving where rename(m.path, "\(stage)/\(m.name)") != 0 {
            if errno == EXDEV { return giveUp("its parent is on another filesystem") }
            throw OutputError(kind: .io, message: "\(m.path): rename failed: \(String(cString: strerror(errno)))")
        }
        try writeManifest(in: stage, produced)
        // The new set must be on disk before it is switched in, and the switch before it
        // counts as published: either fsync failing is exit 74 with the previous set in place.
        try syncDirectory(stage)
        guard motcua_exchange_paths(stage, path) == 0 else {
            let e = errno
            guard OutputDirectory.exchangeRefusals.contains(e) else {
                throw OutputError(kind: .io, message: "\(path): cannot publish: \(String(cString: strerror(e)))")
            }
            return giveUp("the exchange is refused (\(String(cString: strerror(e))))")
        }
        do {
            try syncDirectory(parent)
        } catch {
            // Switch the previous set back, so that "previous outputs kept" is true.
            _ = motcua_exchange_paths(stage, path)
            throw error
        }
        // The staging path now holds the previous outputs — and any file another program
        // put in the directory after the links were taken: those move across.
        rescueForeignFiles(from: stage, previous: previous)
        try? FileManager.default.removeItem(atPath: stage)
        staging = nil
        return nil
    }

    /// An entry of the directory that a new set keeps: not produced again, not a file of
    /// the previous set (the manifest's), not a temporary file or what the publisher owns.
    func keepsAcrossPublish(_ n: String, produced: [String], previous: Set<String>) -> Bool {
        !produced.contains(n) && !previous.contains(n) && !n.hasPrefix(OutputDirectory.tempMarker)
            && n != OutputDirectory.lastFailureName && n != OutputDirectory.manifestName && n != OutputDirectory.generationsName
    }

    /// Moves into the output directory what `old` (the previous directory, after the exchange)
    /// holds that this run did not write and does not own: files created there during the run.
    private func rescueForeignFiles(from old: String, previous: Set<String>) {
        let now = Set((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
        for n in (try? FileManager.default.contentsOfDirectory(atPath: old)) ?? []
        where !now.contains(n) && keepsAcrossPublish(n, produced: [], previous: previous) {
            rename("\(old)/\(n)", "\(path)/\(n)")
        }
    }

    // MARK: - Manifest

    /// The names the current set holds, from its manifest (empty when there is none: a new
    /// directory, or outputs of a motcua that wrote no manifest).
    func previousManifest() -> Set<String> {
        let current = method == .generations ? "\(currentLinkPath)/\(OutputDirectory.manifestName)" : nil
        for p in [current, "\(path)/\(OutputDirectory.manifestName)"].compactMap({ $0 }) {
            if let text = try? String(contentsOfFile: p, encoding: .utf8) {
                return Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init))
            }
        }
        return []
    }

    func writeManifest(in dir: String, _ names: [String]) throws {
        let text = "# files motcua published in this set; it removes only these\n" + names.sorted().map { $0 + "\n" }.joined()
        try writeSynced("\(dir)/\(OutputDirectory.manifestName)", Array(text.utf8))
    }

    /// Output-named files that are not motcua's (no manifest lists them) stay, and are said.
    private func noteLeftAlone(previous: Set<String>, produced: Set<String>) {
        let names = OutputDirectory.outputNames.filter { n in
            var st = stat()
            return !produced.contains(n) && !previous.contains(n) && lstat("\(path)/\(n)", &st) == 0 && !isOwnLink(n)
        }
        if !names.isEmpty {
            notes.append("\(path): left alone \(names.sorted().joined(separator: ", ")) — no manifest of motcua lists "
                + (names.count == 1 ? "it" : "them") + " (written by someone else, or by an older motcua)")
        }
    }

    // MARK: - Cleaning up

    /// Removes this run's staging directory, generation and temporary files (on failure or
    /// interruption).
    public func discard() {
        if let s = staging { try? FileManager.default.removeItem(atPath: s) }
        staging = nil
        if let g = pendingGeneration { try? FileManager.default.removeItem(atPath: g) }
        pendingGeneration = nil
        for n in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        where n.hasPrefix("\(OutputDirectory.tempMarker)\(getpid())-") {
            removeFileOrFolder("\(path)/\(n)")
        }
    }

    /// A file, or a folder with what it holds (a link is removed, never followed).
    func removeFileOrFolder(_ p: String) {
        if unlink(p) != 0 && errno == EISDIR { try? FileManager.default.removeItem(atPath: p) }
    }

    /// fsync of a directory (its entries: the names just written or renamed); a failure is an
    /// I/O error of the publish (exit 74).
    func syncDirectory(_ dir: String) throws {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw OutputError(kind: .io, message: "\(dir): cannot open to sync: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        if fsync(fd) != 0 {
            throw OutputError(kind: .io, message: "\(dir): fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    /// A small file (the manifest) written and fsynced.
    func writeSynced(_ path: String, _ bytes: [UInt8]) throws {
        let file = try SyncedFile(creating: path)
        try file.write(bytes)
        try file.sync()
    }
}

/// A mount point: on another device than its parent, or listed in /proc/self/mountinfo
/// (a bind mount of the same filesystem keeps the device).
func isMountPoint(_ path: String) -> Bool {
    if path == "/" { return true }
    var a = stat(), b = stat()
    if stat(path, &a) == 0 && stat((path as NSString).deletingLastPathComponent, &b) == 0 && a.st_dev != b.st_dev { return true }
    guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return false }
    for line in table.split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        if fields.count > 4 && unescapeMountPath(fields[4]) == path { return true }
    }
    return false
}

/// mountinfo writes a space, tab, newline and backslash as `\040`, `\011`, `\012`, `\134`.
private func unescapeMountPath(_ s: Substring) -> String {
    var out: [UInt8] = []
    let b = Array(s.utf8)
    var i = 0
    while i < b.count {
        if b[i] == UInt8(ascii: "\\"), i + 3 < b.count, let v = UInt8(String(decoding: b[i + 1...i + 3], as: UTF8.self), radix: 8) {
            out.append(v)
            i += 4
        } else {
            out.append(b[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}
