// Reads one input file as decompressed bytes: gzip (any number of members, SPEC §2.1)
// when it starts with 1f 8b, plain text otherwise. Damage is reported as `CorruptInput`
// with the compressed byte offset where it was detected.
import CZlib
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct CorruptInput: Error, Equatable {
    public let offset: Int
    public let reason: String
}

public final class InputReader {
    public let path: String
    public private(set) var isGzip = false
    /// Size of the file on disk.
    public private(set) var compressedBytes = 0
    /// Compressed bytes consumed so far (for progress).
    public var compressedOffset: Int { inBase + inPos }
    /// Gzip members that ended with a valid trailer.
    public private(set) var membersCompleted = 0

    private let fd: Int32
    private var inBuf: UnsafeMutablePointer<UInt8>
    private let inCap = 256 * 1024
    private var inLen = 0
    private var inPos = 0
    /// File offset of inBuf[0].
    private var inBase = 0
    private var eof = false
    private var stream: UnsafeMutablePointer<z_stream>?
    private enum State { case plain, betweenMembers, inMember, done }
    private var state: State

    /// Opens `path`; throws `POSIXError`-style `InputOpenError` when it cannot be read.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw InputOpenError(path: path, errno: errno) }
        self.fd = fd
        var st = stat()
        if fstat(fd, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                throw InputOpenError(path: path, errno: EISDIR)
            }
            compressedBytes = Int(st.st_size)
        }
        inBuf = .allocate(capacity: inCap)
        state = .plain
        try fill()
        if inLen >= 2 && inBuf[0] == 0x1f && inBuf[1] == 0x8b {
            isGzip = true
            state = .betweenMembers
            let s = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            s.initialize(to: z_stream())
            // 15 + 16: gzip framing only; member boundaries are handled here.
            let rc = inflateInit2_(s, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            if rc != Z_OK { s.deallocate(); throw CorruptInput(offset: 0, reason: "zlib init failed (\(rc))") }
            stream = s
        }
    }

    deinit {
        if let s = stream { inflateEnd(s); s.deallocate() }
        inBuf.deallocate()
        close(fd)
    }

    /// Refills the input buffer after the bytes already consumed.
    private func fill() throws {
        if inPos < inLen {
            memmove(inBuf, inBuf + inPos, inLen - inPos)
        }
        inBase += inPos
        inLen -= inPos
        inPos = 0
        while inLen < inCap && !eof {
            let n = Glibc.read(fd, inBuf + inLen, inCap - inLen)
            if n < 0 {
                if errno == EINTR { continue }
                throw InputOpenError(path: path, errno: errno)
            }
            if n == 0 { eof = true; break }
            inLen += n
            break
        }
    }

    /// Decompressed bytes into `out`; 0 means the end of the file.
    public func read(into out: UnsafeMutableRawBufferPointer) throws -> Int {
        guard out.count > 0 else { return 0 }
        while true {
            switch state {
            case .done:
                return 0
            case .plain:
                if inPos == inLen {
                    if eof { state = .done; return 0 }
                    try fill()
                    continue
                }
                let n = min(out.count, inLen - inPos)
                memcpy(out.baseAddress!, inBuf + inPos, n)
                inPos += n
                return n
            case .betweenMembers:
                if inLen - inPos < 2 && !eof { try fill() }
                if inPos == inLen { state = .done; return 0 }
                if inLen - inPos >= 2 && inBuf[inPos] == 0x1f && inBuf[inPos + 1] == 0x8b {
                    inflateReset(stream!)
                    state = .inMember
                    continue
                }
                try skipZeroPadding()
                state = .done
                return 0
            case .inMember:
                let produced = try inflateStep(into: out)
                if produced > 0 { return produced }
            }
        }
    }

    /// After the last member only NUL bytes may follow (SPEC §2.1).
    private func skipZeroPadding() throws {
        while true {
            while inPos < inLen {
                if inBuf[inPos] != 0 {
                    throw CorruptInput(offset: inBase + inPos, reason: "trailing garbage after gzip member \(membersCompleted)")
                }
                inPos += 1
            }
            if eof { return }
            try fill()
        }
    }

    private func inflateStep(into out: UnsafeMutableRawBufferPointer) throws -> Int {
        let s = stream!
        if inPos == inLen {
            if eof {
                throw CorruptInput(offset: inBase + inPos, reason: "truncated gzip stream (member \(membersCompleted + 1) has no end)")
            }
            try fill()
            if inPos == inLen {
                throw CorruptInput(offset: inBase + inPos, reason: "truncated gzip stream (member \(membersCompleted + 1) has no end)")
            }
        }
        s.pointee.next_in = inBuf + inPos
        s.pointee.avail_in = UInt32(inLen - inPos)
        s.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        s.pointee.avail_out = UInt32(min(out.count, Int(UInt32.max)))
        let before = Int(s.pointee.avail_out)
        let rc = inflate(s, Z_NO_FLUSH)
        inPos = inLen - Int(s.pointee.avail_in)
        let produced = before - Int(s.pointee.avail_out)
        switch rc {
        case Z_STREAM_END:
            membersCompleted += 1
            state = .betweenMembers
        case Z_OK, Z_BUF_ERROR:
            break
        case Z_NEED_DICT, Z_DATA_ERROR:
            let msg = s.pointee.msg.map { String(cString: $0) } ?? "invalid data"
            throw CorruptInput(offset: inBase + inPos, reason: "gzip member \(membersCompleted + 1): \(msg)")
        default:
            throw CorruptInput(offset: inBase + inPos, reason: "zlib error \(rc)")
        }
        return produced
    }
}

public struct InputOpenError: Error {
    public let path: String
    public let errno: Int32
    public var message: String { "\(path): cannot read: \(String(cString: strerror(errno)))" }
}
