// A file written in pieces and fsynced, with errors that name the file (exit 74 upstream):
// the one write loop of the publisher, the rejects stream and the reject spill files.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class SyncedFile {
    let path: String
    private let fd: Int32

    init(creating path: String, mode: mode_t = 0o644) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw OutputError(kind: .io, message: "\(path): cannot create: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Descriptor for reading the file back (RejectLogReader).
    var descriptor: Int32 { fd }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
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

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    func sync() throws {
        guard fsync(fd) == 0 else { throw OutputError(kind: .io, message: "\(path): fsync failed: \(String(cString: strerror(errno)))") }
    }
}
