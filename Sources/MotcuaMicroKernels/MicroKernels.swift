// Entry points for Benchmarks/ (the ordo-one/benchmark micro benchmarks of issue 5) into
// engine code that is internal: each runs the same code a run does on bytes the caller
// supplies and returns a count, so the work cannot be optimized away. Not a stable API —
// nothing in the engine or the command line uses it, and it follows the engine's internals.
// Public engine types (DateTimeParser, NDJSONDecoder, ByteKeyTable, InputReader,
// PartialResult.merge) are benchmarked directly, not through here.
import MotcuaFoundation
import MotcuaReading
import MotcuaGenerate
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum MicroKernels {
    /// `bytes` as one gzip member at zlib `level`, written by `motcua generate`'s writer
    /// (through a temporary file, that writer's only output).
    public static func gzip(_ bytes: [UInt8], level: Int = 6) throws -> [UInt8] {
        let path = temporaryPath("gz")
        defer { unlink(path) }
        do {
            let writer = try ExportFileWriter(path: path, gzip: true, level: level)
            try bytes.withUnsafeBufferPointer { if let p = $0.baseAddress { try writer.write(p, $0.count) } }
            try writer.finish()
        }
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The rows of a CSV export (header first) that the decoder accepts, header kept: a
    /// benchmark input without rejects (whose excerpts are allocated, as they must be).
    public static func acceptedCSV(_ bytes: [UInt8], delimiter: UInt8 = 0x2C) -> [UInt8] {
        bytes.withUnsafeBufferPointer { buf -> [UInt8] in
            guard let base = buf.baseAddress, buf.count > 0 else { return [] }
            let header = memchr(base, 0x0A, buf.count).map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? buf.count
            let headerEnd = header > 0 && base[header - 1] == 0x0D ? header - 1 : header
            let format = CSVFormat(spec: InputSpec(format: .csv, patterns: [], delimiter: delimiter))
            let decoder = format.layout(for: "micro", header: UnsafeBufferPointer(start: base, count: headerEnd),
                                        dates: DateTimeParser(), maxLineBytes: 1 << 20).makeDecoder()
            var out = [UInt8](buf[0..<min(header + 1, buf.count)])
            var span = RecordSpan(), decoded = DecodedRecord()
            var p = min(header + 1, buf.count)
            while p < buf.count {
                let reason = decoder.decode(base, from: p, to: buf.count, span: &span, into: &decoded)
                if reason == nil && span.byteCount > 0 {
                    out.append(contentsOf: buf[p..<(p + span.byteCount)])
                    out.append(0x0A)
                }
                p = span.next
            }
            return out
        }
    }

    /// Inflates in-memory gzip files member by member, as `InputReader` drives an inflater
    /// (256 KiB of input at a time) but without the file reads, into one reused output buffer.
    public final class Inflate {
        private let inflater: MemberInflater
        private let out: UnsafeMutablePointer<UInt8>
        private let outCount: Int

        public init(_ kind: InflaterKind, outputBytes: Int = FileChunker.defaultChunkBytes) throws {
            do { inflater = try makeInflater(kind) } catch let e as InflateFailure {
                throw CorruptInput(offset: 0, reason: e.reason)
            }
            outCount = outputBytes
            out = .allocate(capacity: outputBytes)
        }
        deinit { out.deallocate() }

        /// Decompressed bytes of every member; -1 when the data is damaged or truncated.
        public func run(_ gzip: UnsafeRawBufferPointer) -> Int {
            guard let base = gzip.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
            let n = gzip.count
            var pos = 0, total = 0
            while pos + 2 <= n && base[pos] == 0x1F && base[pos + 1] == 0x8B {
                inflater.reset()
                while true {
                    let step = inflater.inflate(base + pos, min(n - pos, 256 * 1024), out, outCount)
                    pos += step.consumed
                    total += step.produced
                    if step.failure != nil { return -1 }
                    if step.ended { break }
                    if step.consumed == 0 && step.produced == 0 { return -1 }
                }
            }
            return total
        }
    }

    /// One file's bytes cut into chunks once, exactly as the reader thread does (InputReader →
    /// FileChunker, CSV header compiled), ready to be reduced again and again by fresh or
    /// reused `ChunkReducer`s — the parse workers' whole job: framing, UTF-8 check, scan,
    /// decode, date parsing, id hashing and latest-wins.
    public final class Reduce {
        public let chunks: [Chunk]

        public init(_ bytes: [UInt8], format name: InputFormat, delimiter: UInt8 = 0x2C,
                    chunkBytes: Int = FileChunker.defaultChunkBytes, maxLineBytes: Int = 1 << 20) throws {
            let path = MicroKernels.temporaryPath(name.rawValue)
            defer { unlink(path) }
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                throw MotcuaError(.cantCreate, "cannot create \(path)")
            }
            var formatted = FormattedFile(InputSpec(format: name, patterns: [path], delimiter: delimiter), path: "micro",
                                          dates: DateTimeParser(), maxLineBytes: maxLineBytes)
            let pool = ChunkPool(chunkCapacity: FileChunker.chunkCapacity(maxLineBytes: maxLineBytes, targetBytes: chunkBytes),
                                 limit: Int.max)
            var chunker = formatted.chunker(fileIndex: 0, targetBytes: chunkBytes, pool: pool, isCancelled: { false })
            var chunks: [Chunk] = []
            let result = try chunker.run(try InputReader(path: path, inflater: .zlib)) { chunk in
                formatted.stamp(chunk)
                chunks.append(chunk)
            }
            if let damage = result.corrupt { throw damage }
            self.chunks = chunks
        }

        /// A reducer as a parse worker starts with (empty partial result).
        public func makeReducer() -> ChunkReducer { ChunkReducer(fileCount: 1) }

        /// Reduces every chunk into `reducer`; returns the dossiers it holds.
        public func run(_ reducer: ChunkReducer) -> Int {
            for c in chunks { reducer.reduce(c) }
            return reducer.partial.dossierCount
        }
    }

    /// A worker's partial result after its share of a big export, built directly: `dossiers`
    /// distinct ids shaped like the generator's (`000.00.UU.H56-yymmdd-NNNNNN`), serials
    /// `first ..< first + dossiers`, 60 units, 200 procedures, 40 sectors, every record at
    /// (file 0, `chunk`, line = serial % 10_000 + 1).
    public static func partial(dossiers: Int, first: Int, chunk: Int32) -> PartialResult {
        let p = PartialResult(fileCount: 1)
        func code(_ s: String) -> [UInt8] { Array(s.utf8) }
        let units = (0..<60).map { code("000.00.\($0 < 10 ? "0" : "")\($0).H56") }
        let procedures = (0..<200).map { code("1.\(String(1000 + $0))") }
        let sectors = (0..<40).map { code("G\($0)-KH") }
        var id = [UInt8](repeating: 0, count: 27)
        for serial in first..<(first + dossiers) {
            let u = serial % 60, day = serial / 7919 % 28 + 1
            id.withUnsafeMutableBufferPointer { b in
                for i in 0..<13 { b[i] = units[u][i] }
                b[13] = 0x2D
                let digits = [2, 4, 0, 1, day / 10, day % 10]
                for i in 0..<6 { b[14 + i] = UInt8(0x30 + digits[i]) }
                b[20] = 0x2D
                var x = serial
                for i in stride(from: 26, through: 21, by: -1) { b[i] = UInt8(0x30 + x % 10); x /= 10 }
            }
            func text(_ a: [UInt8], _ body: (ByteText) -> Int32) -> Int32 {
                a.withUnsafeBufferPointer { body(ByteText(base: $0.baseAddress, count: $0.count)) }
            }
            let received = Int32(19_700 + serial % 300)
            let state = DossierState(
                position: RecordPosition(file: 0, chunk: chunk, line: Int32(serial % 10_000 + 1)),
                unit: text(units[u]) { p.units.id($0) },
                procedure: text(procedures[serial % 200]) { p.procedures.id($0) },
                sector: text(sectors[serial % 40]) { p.sectors.id($0) },
                received: received, due: received + 15, ended: serial % 3 == 0 ? noDay : received + Int32(serial % 20),
                returned: noDay, status: UInt8(serial % 10 + 1), channel: UInt8(serial % 3 + 1), returnChannel: 0,
                paidOnline: 0, flags: UInt8(serial % 8))
            id.withUnsafeBufferPointer { p.keep(id: ByteText(base: $0.baseAddress, count: $0.count), state) }
        }
        return p
    }

    /// Keeps `count` ids of `idBytes` bytes each, back to back at `ids`, in `partial` (the
    /// dossier table of a worker, whatever its layout), each at (file 0, chunk 0, line i + 1)
    /// with one fixed state; returns the dossiers it holds.
    public static func keepIds(_ partial: PartialResult, _ ids: UnsafePointer<UInt8>, count: Int, idBytes: Int) -> Int {
        var state = DossierState(position: RecordPosition(file: 0, chunk: 0, line: 0), unit: 0, procedure: -1, sector: -1,
                                 received: 19_800, due: 19_815, ended: noDay, returned: noDay, status: 4, channel: 2,
                                 returnChannel: 0, paidOnline: 0, flags: 0)
        for i in 0..<count {
            state.position.line = Int32(truncatingIfNeeded: i + 1)
            partial.keep(id: ByteText(base: ids + i * idBytes, count: idBytes), state)
        }
        return partial.dossierCount
    }

    private static let counter = NSLock()
    // Unsafe but sound: read and written only while holding `counter`.
    nonisolated(unsafe) private static var made = 0
    static func temporaryPath(_ ext: String) -> String {
        counter.lock()
        made += 1
        let n = made
        counter.unlock()
        return (NSTemporaryDirectory() as NSString).appendingPathComponent("motcua-micro-\(getpid())-\(n).\(ext)")
    }
}
