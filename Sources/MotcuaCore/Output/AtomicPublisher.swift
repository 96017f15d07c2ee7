// Publishing outputs all-or-nothing (SPEC §7.2): a flock on `.motcua.lock`, every file written
// to a temporary name in the output directory and fsynced, then all renamed into place.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct OutputError: Error {
    public enum Kind { case unwritable, locked, io }
    public let kind: Kind
    public let message: String
}

public final class OutputDirectory {
    public let path: String
    private var lockFD: Int32 = -1
    private var temporaries: [String] = []
    static let tempMarker = ".motcua-tmp-"

    /// Creates the directory if needed and takes the lock; fails before any input is read.
    public init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw OutputError(kind: .unwritable, message: "\(path): cannot create output directory: \(error.localizedDescription)")
        }
        let lockPath = path + "/.motcua.lock"
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
        guard access(path, W_OK) == 0 else {
            throw OutputError(kind: .unwritable, message: "\(path): output directory is not writable")
        }
        removeStaleTemporaries()
    }

    deinit {
        discard()
        if lockFD >= 0 { close(lockFD) }
    }

    /// Temporary files left by a run that was killed.
    private func removeStaleTemporaries() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for n in names where n.hasPrefix(OutputDirectory.tempMarker) { unlink(path + "/" + n) }
    }

    /// Writes and fsyncs each file under a temporary name, then renames them all.
    public func publish(_ files: [(name: String, bytes: [UInt8])]) throws {
        var staged: [(temp: String, final: String)] = []
        for f in files {
            let temp = "\(path)/\(OutputDirectory.tempMarker)\(getpid())-\(f.name)"
            temporaries.append(temp)
            try writeSynced(temp, f.bytes)
            staged.append((temp, "\(path)/\(f.name)"))
        }
        for s in staged {
            guard rename(s.temp, s.final) == 0 else {
                throw OutputError(kind: .io, message: "\(s.final): rename failed: \(String(cString: strerror(errno)))")
            }
        }
        temporaries.removeAll()
        let dfd = open(path, O_RDONLY | O_DIRECTORY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    /// Removes this run's temporary files (on failure or interruption).
    public func discard() {
        for t in temporaries { unlink(t) }
        temporaries.removeAll()
    }

    private func writeSynced(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError(kind: .io, message: "\(path): cannot create: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var done = 0
        try bytes.withUnsafeBytes { buf in
            while done < buf.count {
                let n = write(fd, buf.baseAddress! + done, buf.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw OutputError(kind: .io, message: "\(path): write failed: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
        guard fsync(fd) == 0 else { throw OutputError(kind: .io, message: "\(path): fsync failed: \(String(cString: strerror(errno)))") }
    }
}
