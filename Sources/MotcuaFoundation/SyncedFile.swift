// A file written in pieces and fsynced, with errors that name the file (exit 74 upstream):
// the one write loop of the publisher, the rejects stream and the reject spill files.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct OutputError: Error {
    public enum Kind: Sendable { case unwritable, locked, io }
    public let kind: Kind
    public let message: String
    package init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }
}

/// Names of temporary files and directories a run leaves only if it is killed (the publisher
/// removes them at the next run's start).
package let temporaryFileMarker = ".motcua-tmp-"

package final class SyncedFile {
    package let path: String
    private let fd: Int32

    package init(creating path: String, mode: mode_t = 0o644) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw OutputError(kind: .io, message: "\(path): cannot create: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Descriptor for reading the file back (RejectLogReader).
    package var descriptor: Int32 { fd }

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputError(kind: .io, message: "\(path): write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    package func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    package func sync() throws {
        guard fsync(fd) == 0 else { throw OutputError(kind: .io, message: "\(path): fsync failed: \(String(cString: strerror(errno)))") }
    }
}

extension SyncedFile {
    /// Fsyncs a file another writer made (libxlsxwriter's workbook).
    package static func sync(existing path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw OutputError(kind: .io, message: "\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw OutputError(kind: .io, message: "\(path): fsync failed: \(String(cString: strerror(errno)))") }
    }
}
