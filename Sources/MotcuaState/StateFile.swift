// One file of the state: a fixed header, then the payload. The header names what the file
// holds and the format version, and carries the payload's length and XXH3-64 checksum, so a
// truncated or damaged file is found before any of it is used (exit 65, never a wrong number).
//
//     magic "MOTCUAST" · version u32 · kind u32 · payload bytes u64 · checksum u64 · payload
//
// Numbers are little-endian; text is a u32 length and UTF-8 bytes.
import MotcuaFoundation
import CXXHash
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum StateFileKind: UInt32 {
    case ledger = 1, partition = 2, rejects = 3, delta = 4, rollup = 5
}

enum StateFormat {
    /// Bumped whenever a file's layout, the dossier hash or the partitioning changes: an
    /// older state is then rebuilt, never misread. 2: the ledger lists delta files
    /// (`delta-G.bin`), which a generation adds beside the previous one's partitions.
    static let version: UInt32 = 2
    static let magic = Array("MOTCUAST".utf8)
    static let headerBytes = 32
    /// Dossier partitions on disk: the top bits of the id's hash (a cluster reduces each alone).
    static let partitionBits = 6
    static var partitionCount: Int { 1 << partitionBits }
    static func partition(ofHash h: UInt64) -> Int { Int(truncatingIfNeeded: h >> UInt64(64 - partitionBits)) }
}

/// A payload being built.
struct StateWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
    mutating func data(_ b: [UInt8]) { u32(UInt32(b.count)); bytes.append(contentsOf: b) }
    mutating func text(_ s: String) { data(Array(s.utf8)) }
    mutating func bool(_ b: Bool) { u8(b ? 1 : 0) }

    /// The file: header, then payload.
    func file(_ kind: StateFileKind) -> [UInt8] {
        var header = StateWriter()
        header.bytes = StateFormat.magic
        header.u32(StateFormat.version)
        header.u32(kind.rawValue)
        header.u64(UInt64(bytes.count))
        header.u64(bytes.withUnsafeBytes { motcua_xxh3_64($0.baseAddress, $0.count) })
        return header.bytes + bytes
    }
}

/// Reading a payload back; every read is bounds-checked (a damaged file that passed its
/// checksum by chance still cannot read outside it).
struct StateReader {
    let bytes: [UInt8]
    let path: String
    var at = 0

    /// `at`: where the payload starts in `bytes` (a file read whole keeps its header before it).
    init(_ bytes: [UInt8], path: String, at: Int = 0) {
        self.bytes = bytes
        self.path = path
        self.at = at
    }

    func damaged(_ why: String) -> MotcuaError { StateFiles.damaged(path, why) }

    private mutating func take<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let n = MemoryLayout<T>.size
        guard at + n <= bytes.count else { throw damaged("ends inside a record") }
        let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: T.self) }
        at += n
        return T(littleEndian: v)
    }

    mutating func u8() throws -> UInt8 { try take(UInt8.self) }
    mutating func u16() throws -> UInt16 { try take(UInt16.self) }
    mutating func u32() throws -> UInt32 { try take(UInt32.self) }
    mutating func i32() throws -> Int32 { try take(Int32.self) }
    mutating func u64() throws -> UInt64 { try take(UInt64.self) }
    mutating func int() throws -> Int { Int(Int64(bitPattern: try u64())) }
    mutating func bool() throws -> Bool { try u8() != 0 }
    /// A count of things each at least `unit` bytes long: bounded by what is left.
    mutating func count(unit: Int = 1) throws -> Int {
        let n = try int()
        guard n >= 0, n <= (bytes.count - at) / max(1, unit) else { throw damaged("holds an impossible count (\(n))") }
        return n
    }
    mutating func data() throws -> [UInt8] {
        let n = Int(try u32())
        guard at + n <= bytes.count else { throw damaged("ends inside a record") }
        defer { at += n }
        return Array(bytes[at..<at + n])
    }
    mutating func text() throws -> String { String(decoding: try data(), as: UTF8.self) }
    var atEnd: Bool { at == bytes.count }
}

public enum StateFiles {
    static func damaged(_ path: String, _ why: String) -> MotcuaError {
        MotcuaError(.data, "\(path): the state is damaged: \(why); nothing was computed from it", remedy: rebuildRemedy)
    }

    /// What a damaged state file's error tells the user to do (the cluster steps name another).
    public static let rebuildRemedy = "`motcua run … --full-refresh` rebuilds the state from the input files"

    /// Writes a state file and fsyncs it (`sync: false`: a cluster's intermediate file, which a
    /// machine's crash makes the run start again anyway).
    static func write(_ path: String, _ kind: StateFileKind, _ payload: StateWriter, sync: Bool = true) throws {
        do {
            let file = try SyncedFile(creating: path)
            try file.write(payload.file(kind))
            if sync { try file.sync() }
        } catch let e as OutputError {
            throw MotcuaError(.io, "\(e.message) (writing the state)")
        }
    }

    /// Reads a state file whole (into one buffer, no copy after) and checks its header and
    /// checksum; returns a reader at the payload.
    static func read(_ path: String, _ kind: StateFileKind) throws -> StateReader {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        var st = stat()
        guard fd >= 0, fstat(fd, &st) == 0 else {
            let e = errno
            if fd >= 0 { close(fd) }
            throw damaged(path, "the file is missing or cannot be read (\(String(cString: strerror(e))))")
        }
        defer { close(fd) }
        let size = Int(st.st_size)
        var readError: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let n = pread(fd, buffer.baseAddress! + count, size - count, off_t(count))
                if n < 0 && errno == EINTR { continue }
                if n < 0 { readError = errno }
                if n <= 0 { break }
                count += n
            }
        }
        if readError != 0 { throw damaged(path, "the file cannot be read (\(String(cString: strerror(readError))))") }
        let payloadBytes = try checkHeader(bytes, path: path, kind: kind)
        guard bytes.count == StateFormat.headerBytes + payloadBytes else {
            throw damaged(path, bytes.count < StateFormat.headerBytes + payloadBytes ? "it is truncated" : "it has bytes past its end")
        }
        let (sum, computed) = bytes.withUnsafeBytes {
            ($0.loadUnaligned(fromByteOffset: 24, as: UInt64.self), motcua_xxh3_64($0.baseAddress! + StateFormat.headerBytes, payloadBytes))
        }
        guard UInt64(littleEndian: sum) == computed else { throw damaged(path, "it fails its checksum") }
        return StateReader(bytes, path: path, at: StateFormat.headerBytes)
    }

    /// The header's payload length, after checking magic, version and kind.
    static func checkHeader(_ bytes: [UInt8], path: String, kind: StateFileKind) throws -> Int {
        guard bytes.count >= StateFormat.headerBytes else { throw damaged(path, "it is truncated") }
        guard Array(bytes[0..<8]) == StateFormat.magic else { throw damaged(path, "it is not a motcua state file") }
        func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) }) }
        guard u32(8) == StateFormat.version else { throw StateFormatMismatch(found: u32(8)) }
        guard u32(12) == kind.rawValue else { throw damaged(path, "it holds another kind of data (\(u32(12)))") }
        let n = UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self) })
        guard n <= UInt64(Int.max - StateFormat.headerBytes) else { throw damaged(path, "it has an impossible length") }
        return Int(n)
    }
}

/// A state written by another format version: rebuilt, not an error.
struct StateFormatMismatch: Error {
    let found: UInt32
}

extension StateFiles {
    /// Checks a large state file (rejects) by streaming it through the checksum; returns it
    /// open for reading, the payload starting at `StateFormat.headerBytes`.
    static func openChecked(_ path: String, _ kind: StateFileKind) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            // Out of file descriptors says nothing of the file.
            if errno == EMFILE || errno == ENFILE { throw MotcuaError(.io, "\(path): cannot open: \(String(cString: strerror(errno)))") }
            throw damaged(path, "the file is missing or cannot be read (\(String(cString: strerror(errno))))")
        }
        do {
            var header = [UInt8](repeating: 0, count: StateFormat.headerBytes)
            let got = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
            let payloadBytes = try checkHeader(Array(header[0..<max(0, got)]), path: path, kind: kind)
            let expected = UInt64(littleEndian: header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 24, as: UInt64.self) })
            var st = stat()
            fstat(fd, &st)
            guard Int(st.st_size) == StateFormat.headerBytes + payloadBytes else {
                throw damaged(path, Int(st.st_size) < StateFormat.headerBytes + payloadBytes ? "it is truncated" : "it has bytes past its end")
            }
            guard let hash = ContentDigest.streamed(fd, from: StateFormat.headerBytes, sixtyFour: true), hash.low == expected else {
                throw damaged(path, "it fails its checksum")
            }
            return fd
        } catch {
            close(fd)
            throw error
        }
    }
}

/// XXH3 of a file's bytes: 128 bits for an input's content (the ledger's key with path and
/// size), 64 for a state file's checksum.
package struct ContentDigest: Equatable {
    package var low: UInt64
    package var high: UInt64

    /// The digest of `bytes`.
    package static func of(bytes: [UInt8]) -> ContentDigest {
        let h = bytes.withUnsafeBytes { motcua_xxh3_128($0.baseAddress, $0.count) }
        return ContentDigest(low: h.low64, high: h.high64)
    }

    /// The digest of the file at `path`, or nil when it cannot be read.
    package static func of(_ path: String) -> ContentDigest? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return streamed(fd, from: 0, sixtyFour: false)
    }

    static func streamed(_ fd: Int32, from start: Int, sixtyFour: Bool) -> ContentDigest? {
        guard let state = XXH3_createState() else { return nil }
        defer { XXH3_freeState(state) }
        if sixtyFour { XXH3_64bits_reset(state) } else { XXH3_128bits_reset(state) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        var offset = off_t(start)
        while true {
            let n = pread(fd, buffer, size, offset)
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            if sixtyFour { motcua_xxh3_64_update(state, buffer, n) } else { motcua_xxh3_128_update(state, buffer, n) }
            offset += off_t(n)
        }
        if sixtyFour { return ContentDigest(low: XXH3_64bits_digest(state), high: 0) }
        let h = XXH3_128bits_digest(state)
        return ContentDigest(low: h.low64, high: h.high64)
    }

    package var hex: String { String(format: "%016llx%016llx", high, low) }
}
