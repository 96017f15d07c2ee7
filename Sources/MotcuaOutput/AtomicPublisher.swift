// Publishing outputs all-or-nothing (SPEC §7.2). A flock on `.motcua.lock` excludes other
// runs. The new files are written and fsynced in a sibling staging directory that also holds
// hard links to everything else in the output directory (the lock file included); one
// renameat2(RENAME_EXCHANGE) then swaps the two directories, so a reader — or a crash at
// any instant — sees the previous complete set or the new complete set, never a mix.
// Where the exchange is unsupported, files are renamed one by one (documented fallback).
// Besides the output files, the publisher owns `last-failure/` (LastFailure.swift): a
// successful publish drops it.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import CMotcuaSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class OutputDirectory {
    public let path: String
    private var lockFD: Int32 = -1
    private var staging: String?
    /// Every file name a run may publish: older ones not produced again are dropped.
    static let outputNames = OutputFiles.names
    static let tempMarker = temporaryFileMarker

    /// Creates the directory if needed and takes the lock; fails before any input is read.
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
    }

    deinit {
        discard()
        if lockFD >= 0 { close(lockFD) }
    }

    private var parent: String { (path as NSString).deletingLastPathComponent }
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
    }

    /// A path for a file written in pieces (cleaned up like every temporary file).
    public func temporaryPath(_ name: String) -> String {
        "\(path)/\(OutputDirectory.tempMarker)\(getpid())-\(name)"
    }

    /// Writes every file — and moves in the `moving` ones, already written and fsynced at
    /// `temporaryPath`s — then makes them all visible together.
    public func publish(_ files: [(name: String, bytes: [UInt8])], moving: [(name: String, path: String)] = []) throws {
        let stage = "\(stagingPrefix)\(getpid())"
        staging = stage
        var st = stat()
        let mode = stat(path, &st) == 0 ? st.st_mode & 0o7777 : 0o755
        if mkdir(stage, mode) == 0 {
            chmod(stage, mode)
            // Keep what else the directory holds (the lock file first of all).
            let produced = Set(files.map(\.name) + moving.map(\.name))
            for n in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            where !OutputDirectory.outputNames.contains(n) && !produced.contains(n) && !n.hasPrefix(OutputDirectory.tempMarker)
                && n != OutputDirectory.lastFailureName {
                guard link("\(path)/\(n)", "\(stage)/\(n)") == 0 else { return try publishFileByFile(files, moving: moving) }
            }
            for f in files { try writeSynced("\(stage)/\(f.name)", f.bytes) }
            for m in moving where rename(m.path, "\(stage)/\(m.name)") != 0 {
                throw OutputError(kind: .io, message: "\(m.path): rename failed: \(String(cString: strerror(errno)))")
            }
            // The new set must be on disk before it is switched in, and the switch before it
            // counts as published: either fsync failing is exit 74 with the previous set in place.
            try syncDirectory(stage)
            if motcua_exchange_paths(stage, path) == 0 {
                do {
                    try syncDirectory(parent)
                } catch {
                    // Switch the previous set back, so that "previous outputs kept" is true.
                    _ = motcua_exchange_paths(stage, path)
                    throw error
                }
                // The staging path now holds the previous outputs — and any file another
                // program put in the directory after the links were taken: those move across.
                rescueForeignFiles(from: stage)
                try? FileManager.default.removeItem(atPath: stage)
                staging = nil
                return
            }
            let e = errno
            guard e == EINVAL || e == ENOSYS || e == EXDEV || e == EPERM else {
                throw OutputError(kind: .io, message: "\(path): cannot publish: \(String(cString: strerror(e)))")
            }
            // Bring the moved files back before falling back.
            for m in moving { rename("\(stage)/\(m.name)", m.path) }
        }
        try publishFileByFile(files, moving: moving)
    }

    /// Fallback without the directory exchange: temporary names in the directory, renamed
    /// one by one after all were written.
    private func publishFileByFile(_ files: [(name: String, bytes: [UInt8])], moving: [(name: String, path: String)]) throws {
        if let s = staging { try? FileManager.default.removeItem(atPath: s) }
        staging = nil
        var staged: [(temp: String, final: String)] = moving.map { ($0.path, "\(path)/\($0.name)") }
        for f in files {
            let temp = "\(path)/\(OutputDirectory.tempMarker)\(getpid())-\(f.name)"
            staged.append((temp, "\(path)/\(f.name)"))
            try writeSynced(temp, f.bytes)
        }
        for s in staged {
            guard rename(s.temp, s.final) == 0 else {
                throw OutputError(kind: .io, message: "\(s.final): rename failed: \(String(cString: strerror(errno)))")
            }
        }
        dropLastFailure()
        try syncDirectory(path)
    }

    /// Moves into the output directory what `old` (the previous directory, after the exchange)
    /// holds that this run did not write and does not own: files created there during the run.
    private func rescueForeignFiles(from old: String) {
        let now = Set((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
        for n in (try? FileManager.default.contentsOfDirectory(atPath: old)) ?? []
        where !now.contains(n) && !OutputDirectory.outputNames.contains(n) && n != OutputDirectory.lastFailureName
            && !n.hasPrefix(OutputDirectory.tempMarker) {
            rename("\(old)/\(n)", "\(path)/\(n)")
        }
    }

    /// Removes this run's staging directory and temporary files (on failure or interruption).
    public func discard() {
        if let s = staging { try? FileManager.default.removeItem(atPath: s) }
        staging = nil
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

    private func writeSynced(_ path: String, _ bytes: [UInt8]) throws {
        let file = try SyncedFile(creating: path)
        try file.write(bytes)
        try file.sync()
    }
}
