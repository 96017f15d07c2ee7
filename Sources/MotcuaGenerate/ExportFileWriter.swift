// Where `motcua generate` puts a file's bytes: plain, or gzip through zlib (`deflateInit2_`,
// windowBits 31) with a fixed header — mtime 0, OS 3, no name — so the same bytes in give the
// same file out; `endMember()` starts another gzip member (a parallel exporter's file).
import MotcuaFoundation
import CZlibSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

package final class ExportFileWriter {
    let path: String
    private let fd: Int32
    private let level: Int32
    private var stream: UnsafeMutablePointer<z_stream>?
    private let header: UnsafeMutablePointer<gz_header>
    private let out: UnsafeMutablePointer<UInt8>
    private let outCapacity = 1 << 18
    private var memberOpen = false
    private(set) var bytesIn = 0
    private(set) var bytesOut = 0
    private(set) var members = 0

    package init(path: String, gzip: Bool, level: Int) throws {
        self.path = path
        self.level = Int32(level)
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 { throw MotcuaError(.cantCreate, "cannot create \(path): \(String(cString: strerror(errno)))") }
        header = .allocate(capacity: 1)
        header.initialize(to: gz_header())
        out = .allocate(capacity: outCapacity)
        if gzip {
            let s = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            s.initialize(to: z_stream())
            let rc = deflateInit2_(s, self.level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            if rc != Z_OK {
                s.deallocate(); close(fd)
                throw MotcuaError(.software, "zlib deflateInit2 failed (\(rc))")
            }
            stream = s
        }
    }

    deinit {
        if let s = stream { deflateEnd(s); s.deallocate() }
        header.deallocate()
        out.deallocate()
        if fd >= 0 { close(fd) }
    }

    private func writeAll(_ p: UnsafePointer<UInt8>, _ n: Int) throws {
        var done = 0
        while done < n {
            let w = sysWrite(fd, p + done, n - done)
            if w < 0 {
                if errno == EINTR { continue }
                throw MotcuaError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            done += w
        }
        bytesOut += n
    }

    private func startMember() {
        guard let s = stream, !memberOpen else { return }
        // The header is written by the first deflate call; it must stay set until then.
        header.pointee = gz_header()
        header.pointee.os = 3
        deflateSetHeader(s, header)
        memberOpen = true
    }

    private func deflateLoop(_ flush: Int32) throws {
        guard let s = stream else { return }
        while true {
            s.pointee.next_out = out
            s.pointee.avail_out = UInt32(outCapacity)
            let rc = deflate(s, flush)
            if rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR {
                throw MotcuaError(.software, "zlib deflate failed (\(rc)) for \(path)")
            }
            let produced = outCapacity - Int(s.pointee.avail_out)
            if produced > 0 { try writeAll(out, produced) }
            if flush == Z_FINISH { if rc == Z_STREAM_END { return } } else if s.pointee.avail_in == 0 && produced < outCapacity { return }
        }
    }

    /// Appends bytes to the file (to the current gzip member).
    package func write(_ p: UnsafePointer<UInt8>, _ n: Int) throws {
        bytesIn += n
        guard let s = stream else { try writeAll(p, n); return }
        startMember()
        s.pointee.next_in = UnsafeMutablePointer(mutating: p)
        s.pointee.avail_in = UInt32(n)
        try deflateLoop(Z_NO_FLUSH)
    }

    /// Ends the current gzip member (an empty one when nothing was written since the last).
    func endMember() throws {
        guard let s = stream else { return }
        startMember()
        s.pointee.next_in = nil
        s.pointee.avail_in = 0
        try deflateLoop(Z_FINISH)
        deflateReset(s)
        memberOpen = false
        members += 1
    }

    /// Ends the last member and closes the file.
    package func finish() throws {
        if stream != nil && (memberOpen || members == 0) { try endMember() }
    }
}

@inline(__always) private func sysWrite(_ fd: Int32, _ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, p, n)
    #else
    return Darwin.write(fd, p, n)
    #endif
}
