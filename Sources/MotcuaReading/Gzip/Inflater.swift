// One gzip member at a time, behind one interface: zlib (the reference, always built) and
// ISA-L's igzip (faster; SwiftPM trait ISAL, on by default). Both parse the member header
// and check its CRC-32 and length; `InputReader` handles member boundaries, padding and
// truncation the same way for both.
import MotcuaFoundation
import CZlibSystem

public enum InflaterKind: String, CaseIterable, Sendable {
    case zlib, isal

    /// The fastest one built in.
    public static var preferred: InflaterKind {
        #if ISAL
        return .isal
        #else
        return .zlib
        #endif
    }

    public static var available: [InflaterKind] {
        #if ISAL
        return [.zlib, .isal]
        #else
        return [.zlib]
        #endif
    }
}

package struct InflateFailure: Error { package let reason: String }

package struct InflateStep {
    package var consumed = 0
    package var produced = 0
    package var ended = false
    package var failure: String?
}

package protocol MemberInflater: AnyObject {
    /// Prepares for a new member.
    func reset()
    /// Inflates from `input` into `output`; `ended` once the member's trailer was checked.
    /// Damage comes back as `failure` together with the bytes produced before it was found.
    func inflate(_ input: UnsafePointer<UInt8>, _ inCount: Int, _ output: UnsafeMutablePointer<UInt8>, _ outCount: Int)
        -> InflateStep
}

package func makeInflater(_ kind: InflaterKind) throws -> MemberInflater {
    switch kind {
    case .zlib: return try ZlibInflater()
    case .isal:
        #if ISAL
        return IsalInflater()
        #else
        throw InflateFailure(reason: "this build has no ISA-L (built without the ISAL trait); use --inflater zlib")
        #endif
    }
}

final class ZlibInflater: MemberInflater {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 16: gzip framing only; member boundaries are the reader's.
        let rc = inflateInit2_(stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        if rc != Z_OK { stream.deallocate(); throw InflateFailure(reason: "zlib init failed (\(rc))") }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func reset() { inflateReset(stream) }

    func inflate(_ input: UnsafePointer<UInt8>, _ inCount: Int, _ output: UnsafeMutablePointer<UInt8>, _ outCount: Int)
        -> InflateStep {
        let s = stream
        s.pointee.next_in = UnsafeMutablePointer(mutating: input)
        s.pointee.avail_in = UInt32(min(inCount, Int(UInt32.max)))
        s.pointee.next_out = output
        s.pointee.avail_out = UInt32(min(outCount, Int(UInt32.max)))
        let inBefore = Int(s.pointee.avail_in), outBefore = Int(s.pointee.avail_out)
        let rc = CZlibSystem.inflate(s, Z_NO_FLUSH)
        let consumed = inBefore - Int(s.pointee.avail_in), produced = outBefore - Int(s.pointee.avail_out)
        switch rc {
        case Z_STREAM_END: return InflateStep(consumed: consumed, produced: produced, ended: true)
        case Z_OK, Z_BUF_ERROR: return InflateStep(consumed: consumed, produced: produced)
        default:
            let msg = s.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
            return InflateStep(consumed: consumed, produced: produced, failure: msg)
        }
    }
}

#if ISAL
import CIsal

final class IsalInflater: MemberInflater {
    private let state: UnsafeMutablePointer<inflate_state>

    init() {
        state = .allocate(capacity: 1)
        state.initialize(to: inflate_state())
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
    }

    deinit { state.deallocate() }

    func reset() {
        isal_inflate_reset(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
    }

    func inflate(_ input: UnsafePointer<UInt8>, _ inCount: Int, _ output: UnsafeMutablePointer<UInt8>, _ outCount: Int)
        -> InflateStep {
        let s = state
        s.pointee.next_in = UnsafeMutablePointer(mutating: input)
        s.pointee.avail_in = UInt32(min(inCount, Int(UInt32.max)))
        s.pointee.next_out = output
        s.pointee.avail_out = UInt32(min(outCount, Int(UInt32.max)))
        let inBefore = Int(s.pointee.avail_in), outBefore = Int(s.pointee.avail_out)
        let rc = isal_inflate(s)
        // On some damaged streams ISA-L leaves avail_in wrapped; keep the counts in range.
        let consumed = min(max(inBefore - Int(s.pointee.avail_in), 0), inBefore)
        let produced = min(max(outBefore - Int(s.pointee.avail_out), 0), outBefore)
        var step = InflateStep(consumed: consumed, produced: produced, ended: s.pointee.block_state == ISAL_BLOCK_FINISH)
        if rc < 0 {
            step.ended = false
            switch rc {
            case ISAL_INCORRECT_CHECKSUM: step.failure = "incorrect data check"
            case ISAL_INVALID_WRAPPER: step.failure = "invalid gzip header"
            case ISAL_UNSUPPORTED_METHOD: step.failure = "unknown compression method"
            case ISAL_INVALID_BLOCK: step.failure = "invalid block type"
            case ISAL_INVALID_SYMBOL: step.failure = "invalid code"
            case ISAL_INVALID_LOOKBACK: step.failure = "invalid distance too far back"
            default: step.failure = "isa-l error \(rc)"
            }
        }
        return step
    }
}
#endif
