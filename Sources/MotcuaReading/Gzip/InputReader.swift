// Reads one input file as decompressed bytes: gzip (any number of members, SPEC §2.1)
// when it starts with 1f 8b, plain text otherwise. Damage is reported as `CorruptInput`
// with the compressed byte offset where it was detected.
import MotcuaFoundation
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct CorruptInput: Error, Equatable {
    public let offset: Int
    public let reason: String
    package init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
}

public final class InputReader {
    public let path: String
    // Exclusivity unchecked at run time (the hot path): one thread owns this object at a time.
    @exclusivity(unchecked) public private(set) var isGzip = false
    /// Size of the file on disk.
    @exclusivity(unchecked) public private(set) var compressedBytes = 0
    /// Compressed bytes consumed so far (for progress).
    public var compressedOffset: Int { inBase + inPos }
    /// Gzip members that ended with a valid trailer.
    @exclusivity(unchecked) public private(set) var membersCompleted = 0

    private let fd: Int32
    @exclusivity(unchecked) private var inBuf: UnsafeMutablePointer<UInt8>
    private let inCap = 256 * 1024
    @exclusivity(unchecked) private var inLen = 0
    @exclusivity(unchecked) private var inPos = 0
    /// File offset of inBuf[0].
    @exclusivity(unchecked) private var inBase = 0
    @exclusivity(unchecked) private var eof = false
    @exclusivity(unchecked) private var inflater: MemberInflater?
    private enum State { case plain, betweenMembers, inMember, done }
    @exclusivity(unchecked) private var state: State

    /// Opens `path`; throws `POSIXError`-style `InputOpenError` when it cannot be read.
    public init(path: String, inflater kind: InflaterKind = .preferred) throws {
        self.path = path
        // Only regular files: opened non-blocking (a FIFO would block open(2)) and checked on
        // the descriptor itself (a device would never end).
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { throw InputOpenError(path: path, errno: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw InputOpenError(path: path, errno: EINVAL, reason: "not a regular file")
        }
        self.fd = fd
        compressedBytes = Int(st.st_size)
        inBuf = .allocate(capacity: inCap)
        state = .plain
        try fill()
        head = Array(UnsafeBufferPointer(start: inBuf, count: min(inLen, 8)))
        if inLen >= 2 && inBuf[0] == 0x1f && inBuf[1] == 0x8b {
            isGzip = true
            state = .betweenMembers
            do { inflater = try makeInflater(kind) } catch let e as InflateFailure {
                throw CorruptInput(offset: 0, reason: e.reason)
            }
        }
    }

    /// The file's first bytes (up to 8), as read before anything was consumed.
    package private(set) var head: [UInt8] = []

    deinit {
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
                    if inLen - inPos < 4 && !eof { try fill() }
                    // RFC 1952: reserved FLG bits must be zero (zlib checks this, ISA-L does not).
                    if inLen - inPos >= 4 && inBuf[inPos + 3] & 0xE0 != 0 {
                        throw CorruptInput(offset: inBase + inPos + 3, reason: "gzip member \(membersCompleted + 1): unknown header flags set")
                    }
                    inflater!.reset()
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

    /// Damage found while bytes before it were still being handed out (salvage keeps them).
    @exclusivity(unchecked) private var pendingDamage: CorruptInput?

    private func inflateStep(into out: UnsafeMutableRawBufferPointer) throws -> Int {
        if let d = pendingDamage { throw d }
        let dst = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        if inPos == inLen {
            if !eof { try fill() }
            if inPos == inLen {
                // The input ended inside a member: first hand out what the inflater still holds.
                let drained = inflater!.inflate(inBuf, 0, dst, out.count)
                let damage = CorruptInput(offset: inBase + inPos, reason: "truncated gzip stream (member \(membersCompleted + 1) has no end)")
                if drained.produced > 0 && drained.failure == nil { return drained.produced }
                pendingDamage = damage
                if drained.produced > 0 { return drained.produced }
                throw damage
            }
        }
        let r = inflater!.inflate(inBuf + inPos, inLen - inPos, dst, out.count)
        inPos += r.consumed
        if let reason = r.failure {
            let damage = CorruptInput(offset: inBase + inPos, reason: "gzip member \(membersCompleted + 1): \(reason)")
            if r.produced > 0 { pendingDamage = damage; return r.produced }
            throw damage
        }
        if r.ended {
            membersCompleted += 1
            state = .betweenMembers
        } else if r.consumed == 0 && r.produced == 0 {
            // The inflater wants more input than the buffer holds now.
            let before = inLen - inPos
            if !eof { try fill() }
            if inLen - inPos == before {
                throw CorruptInput(offset: inBase + inLen, reason: "truncated gzip stream (member \(membersCompleted + 1) has no end)")
            }
        }
        return r.produced
    }
}

public struct InputOpenError: Error {
    public let path: String
    public let errno: Int32
    public var reason: String? = nil
    public var message: String { "\(path): cannot read: \(reason ?? String(cString: strerror(errno)))" }
}
