// Where a renderer's bytes go. A run streams each file into its temporary path in the output
// directory (`FileSink`), so memory follows the rows being encoded, not the size of the
// outputs (issue 19: a catalog of 100,000 units made gigabytes of text); tests and callers
// that want the bytes use `MemorySink`.
import MotcuaFoundation
import CMotcuaSystem

package protocol OutputSink: AnyObject {
    /// Takes the bytes; may throw `OutputError` (a write failed) or `Interrupted`.
    func write(_ bytes: [UInt8]) throws
}

extension OutputSink {
    package func write(_ text: String) throws { try write(Array(text.utf8)) }
}

package final class MemorySink: OutputSink {
    package private(set) var bytes: [UInt8] = []
    package init() {}
    package func write(_ bytes: [UInt8]) throws { self.bytes += bytes }
}

/// A file written in blocks of `blockBytes` and fsynced by `finish()`. Before each block
/// goes out `isCancelled` is asked: a renderer that hands over many small pieces is heard
/// within one block of a signal, however long the file. Every `writeBehindBytes` the kernel
/// is asked to write the new pages out and waited for on the earlier ones: the final fsync of
/// a file of hundreds of megabytes would otherwise wait half a second or more, deaf to signals.
package final class FileSink: OutputSink {
    static let blockBytes = 1 << 20
    static let writeBehindBytes = 2 << 20
    private let file: SyncedFile
    private let isCancelled: () -> Bool
    private var buffer: [UInt8] = []
    private var written = 0, writtenBehind = 0

    package init(creating path: String, isCancelled: @escaping () -> Bool) throws {
        file = try SyncedFile(creating: path)
        self.isCancelled = isCancelled
        buffer.reserveCapacity(FileSink.blockBytes)
    }

    package var path: String { file.path }

    package func write(_ bytes: [UInt8]) throws {
        if buffer.count + bytes.count < FileSink.blockBytes {
            buffer += bytes
            return
        }
        if isCancelled() { throw Interrupted() }
        try put(buffer)
        buffer.removeAll(keepingCapacity: true)
        if bytes.count >= FileSink.blockBytes {
            try put(bytes)
        } else {
            buffer += bytes
        }
    }

    private func put(_ bytes: [UInt8]) throws {
        try file.write(bytes)
        written += bytes.count
        if written - writtenBehind >= FileSink.writeBehindBytes {
            _ = motcua_write_behind(file.descriptor, Int64(writtenBehind), Int64(written - writtenBehind))
            writtenBehind = written
        }
    }

    /// The rest of the bytes out, then fsync: the file is complete on disk when this returns.
    package func finish() throws {
        if isCancelled() { throw Interrupted() }
        try put(buffer)
        buffer = []
        try file.sync()
    }
}
