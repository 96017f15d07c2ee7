// One worker's rejects, in the order it met them — which is input order, since a worker takes
// chunks in queue order. Kept in memory up to a bound, then spilled to a file beside the
// outputs, so a flood of bad records costs disk, not memory. Logs of all workers are merged
// by position when rejects.ndjson is written (RejectMerge).
import MotcuaFoundation
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class RejectLog {
    /// Entries held before spilling (about 60 MB at the 200-byte excerpt, more when they
    /// carry long values).
    static let memoryLimit = ProcessInfo.processInfo.environment["MOTCUA_REJECTS_IN_MEMORY"].flatMap { Int($0) } ?? 200_000

    // Exclusivity unchecked at run time (the hot path): one thread owns this object at a time.
    @exclusivity(unchecked) package private(set) var entries: [RejectEntry] = []
    @exclusivity(unchecked) package private(set) var count = 0
    @exclusivity(unchecked) package private(set) var byReason: [RejectReason: Int] = [:]
    /// Where entries go once memory is full; nil keeps only the first `keepFirst` (inspect).
    private let spillDirectory: String?
    private let keepFirst: Int
    @exclusivity(unchecked) private var spill: SyncedFile?
    @exclusivity(unchecked) private var spillBuffer: [UInt8] = []
    @exclusivity(unchecked) package private(set) var spilled = 0
    /// Why spilling failed (disk full …): the run then fails with exit 74, never drops rejects.
    @exclusivity(unchecked) package private(set) var failure: String?

    init(spillDirectory: String?, keepFirst: Int = Int.max) {
        self.spillDirectory = spillDirectory
        self.keepFirst = keepFirst
    }

    deinit {
        if let p = spill?.path { unlink(p) }
        if savedFD >= 0 { close(savedFD) }
    }

    /// Bytes of an offending value kept, like the excerpt's 200 (`…` after a cut one).
    package static let valueBytes = 200

    /// The bytes kept of a reject's value: all of a short one; of a longer one, the whole
    /// characters (grapheme clusters) that fit in `valueBytes` with the `…` that follows them.
    package static func keptValue(_ t: ByteText) -> [UInt8] {
        guard let p = t.base, t.count > 0 else { return [] }
        if t.count <= valueBytes { return Array(UnsafeBufferPointer(start: p, count: t.count)) }
        let ellipsis = Array("…".utf8)
        // A little past the budget, so the last whole character is known to end inside it.
        let head = String(decoding: UnsafeBufferPointer(start: p, count: min(t.count, valueBytes + 8)), as: UTF8.self)
        var kept: [UInt8] = []
        for c in head {
            let bytes = c.utf8
            if kept.count + bytes.count > valueBytes - ellipsis.count { break }
            kept.append(contentsOf: bytes)
        }
        return kept + ellipsis
    }

    func append(_ position: RecordPosition, _ reason: RejectReason, _ excerpt: UnsafeBufferPointer<UInt8>, value: [UInt8]? = nil) {
        count += 1
        byReason[reason, default: 0] += 1
        if entries.count < min(RejectLog.memoryLimit, keepFirst) && spilled == 0 {
            entries.append(RejectEntry(position: position, reason: reason, excerpt: Array(excerpt), value: value))
            return
        }
        guard let dir = spillDirectory, failure == nil else { return }
        if spill == nil {
            do {
                spill = try SyncedFile(creating: "\(dir)/\(temporaryFileMarker)\(getpid())-spill-\(UUID().uuidString)", mode: 0o600)
            } catch let e as OutputError { failure = e.message; return } catch { failure = "\(error)"; return }
        }
        RejectLog.encode(position, reason, excerpt, value: value, into: &spillBuffer)
        spilled += 1
        if spillBuffer.count >= 1 << 20 { flush() }
    }

    /// One entry in the spill format, which the state between runs keeps its rejects in too:
    /// position (3 × Int32), reason code, excerpt length, value length (none: UInt16.max),
    /// excerpt, value; little-endian.
    package static func encode(_ position: RecordPosition, _ reason: RejectReason, _ excerpt: UnsafeBufferPointer<UInt8>,
                               value: [UInt8]?, into buffer: inout [UInt8]) {
        withUnsafeBytes(of: position.file.littleEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: position.chunk.littleEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: position.line.littleEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: reason.code.littleEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt16(excerpt.count).littleEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: (value.map { UInt16($0.count) } ?? UInt16.max).littleEndian) { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: excerpt)
        if let value { buffer.append(contentsOf: value) }
    }

    /// A log whose entries are in a file of the spill format written earlier (a saved state's
    /// rejects), each position's file index put through `fileMap`. The file stays.
    package init(savedEntries fd: Int32, at offset: Int, count: Int, byReason: [RejectReason: Int], fileMap: [Int32]) {
        spillDirectory = nil
        keepFirst = 0
        self.count = count
        self.byReason = byReason
        spilled = count
        savedFD = fd
        savedOffset = offset
        self.fileMap = fileMap
    }

    private var savedFD: Int32 = -1
    private var savedOffset = 0
    private var fileMap: [Int32]?

    private func flush() {
        guard let file = spill, !spillBuffer.isEmpty, failure == nil else { return }
        do { try file.write(spillBuffer) } catch let e as OutputError { failure = e.message } catch { failure = "\(error)" }
        spillBuffer.removeAll(keepingCapacity: true)
    }

    /// Entries in order: those in memory, then those spilled.
    func reader() -> RejectLogReader {
        flush()
        return RejectLogReader(entries: entries, spillFD: spill?.descriptor ?? savedFD, spilled: spilled,
                               offset: spill == nil ? savedOffset : 0, fileMap: fileMap)
    }
}

/// Reads one log back in order, the spilled part through a small buffer.
struct RejectLogReader {
    private var entries: [RejectEntry]
    private var index = 0
    private let fd: Int32
    private var remaining: Int
    private var buffer = [UInt8]()
    private var pos = 0
    private var fileOffset: off_t = 0

    private let fileMap: [Int32]?

    init(entries: [RejectEntry], spillFD: Int32, spilled: Int, offset: Int = 0, fileMap: [Int32]? = nil) {
        self.entries = entries
        fileOffset = off_t(offset)
        fd = spillFD
        remaining = spillFD >= 0 ? spilled : 0
        self.fileMap = fileMap
    }

    /// Makes at least `n` unread bytes available (false at the end of the file).
    private mutating func ensure(_ n: Int) -> Bool {
        if buffer.count - pos >= n { return true }
        buffer.removeFirst(pos)
        pos = 0
        var chunk = [UInt8](repeating: 0, count: max(1 << 20, n))
        let got = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, fileOffset) }
        guard got > 0 else { return buffer.count >= n }
        fileOffset += off_t(got)
        buffer.append(contentsOf: chunk[0..<got])
        return buffer.count - pos >= n
    }

    /// Bytes of an entry's fixed part in the spill file.
    private static let headerBytes = 18

    mutating func next() -> RejectEntry? {
        if index < entries.count { index += 1; return entries[index - 1] }
        let h = RejectLogReader.headerBytes
        guard remaining > 0, ensure(h) else { return nil }
        remaining -= 1
        func load<T>(_ t: T.Type, _ at: Int) -> T {
            buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: pos + at, as: T.self) }
        }
        let file = Int32(littleEndian: load(Int32.self, 0))
        let position = RecordPosition(file: fileMap.map { $0[Int(file)] } ?? file, chunk: Int32(littleEndian: load(Int32.self, 4)),
                                      line: Int32(littleEndian: load(Int32.self, 8)))
        let reason = RejectReason(code: UInt16(littleEndian: load(UInt16.self, 12)))
        let n = Int(UInt16(littleEndian: load(UInt16.self, 14)))
        let v = UInt16(littleEndian: load(UInt16.self, 16))
        let m = v == UInt16.max ? 0 : Int(v)
        guard ensure(h + n + m) else { return nil }
        let excerpt = Array(buffer[(pos + h)..<(pos + h + n)])
        let value = v == UInt16.max ? nil : Array(buffer[(pos + h + n)..<(pos + h + n + m)])
        pos += h + n + m
        return RejectEntry(position: position, reason: reason, excerpt: excerpt, value: value)
    }
}

/// The rejects of several logs in input order (each log is already in order).
package struct RejectMerge {
    private var readers: [RejectLogReader]
    private var heads: [RejectEntry?]

    package init(_ logs: [RejectLog]) {
        readers = logs.map { $0.reader() }
        heads = []
        for i in readers.indices { heads.append(readers[i].next()) }
    }

    package mutating func next() -> RejectEntry? {
        var best = -1
        for (i, h) in heads.enumerated() {
            guard let e = h else { continue }
            if best < 0 || e.position < heads[best]!.position { best = i }
        }
        guard best >= 0 else { return nil }
        let e = heads[best]
        heads[best] = readers[best].next()
        return e
    }
}

extension RejectReason {
    /// A compact code for spill files (and the state's rejects).
    package var code: UInt16 {
        switch self {
        case .lineTooLong: return 0
        case .invalidUTF8: return 1
        case .malformedJSON: return 2
        case .malformedCSV: return 3
        case .endedBeforeReceived: return 4
        case .missing(let f): return 100 + UInt16(f.rawValue)
        case .invalid(let f): return 200 + UInt16(f.rawValue)
        }
    }

    /// A code read back from a saved state: nil when it names no reason.
    package init?(savedCode code: UInt16) {
        switch code {
        case 0...4, 100..<(100 + UInt16(DossierField.allCases.count)), 200..<(200 + UInt16(DossierField.allCases.count)):
            self.init(code: code)
        default: return nil
        }
    }

    init(code: UInt16) {
        switch code {
        case 0: self = .lineTooLong
        case 1: self = .invalidUTF8
        case 2: self = .malformedJSON
        case 3: self = .malformedCSV
        case 4: self = .endedBeforeReceived
        case 100..<200: self = .missing(DossierField(rawValue: Int(code - 100))!)
        default: self = .invalid(DossierField(rawValue: Int(code - 200))!)
        }
    }
}
