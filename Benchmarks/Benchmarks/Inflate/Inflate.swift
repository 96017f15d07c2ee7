// The inflaters (issue 5): zlib and ISA-L igzip on a ~32 MiB dvcqg-ndjson export gzipped at
// level 6 (~11 : 1), in memory (the inflater alone) and through `InputReader` from a file in
// /dev/shm (what the reader thread does: read(2) + member loop). One iteration inflates the
// whole file; MB/s are of uncompressed bytes. Expected allocations per iteration: 0 in
// memory; InputReader allocates its 256 KiB input buffer and inflater state per file.
import Benchmark
import Dispatch
import Foundation
import MicroData
import MotcuaMicroKernels
import MotcuaReading

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = MicroData.throughputConfiguration

    for kind in InflaterKind.available {
        Benchmark("\(kind)-memory") { benchmark in
            let gzip = MicroData.ndjsonGzip
            let inflate = try! MicroKernels.Inflate(kind)
            benchmark.startMeasurement()
            let clock = MicroData.Stopwatch()
            let n = gzip.withUnsafeBytes { inflate.run($0) }
            clock.record(benchmark, bytes: n)
            benchmark.stopMeasurement()
            precondition(n == MicroData.ndjson.count, "inflated \(n) bytes, expected \(MicroData.ndjson.count)")
        } setup: {
            _ = MicroData.ndjsonGzip
        }

        Benchmark("\(kind)-InputReader-shm") { benchmark in
            let path = gzipFile
            let out = UnsafeMutableRawBufferPointer.allocate(byteCount: FileChunker.defaultChunkBytes, alignment: 64)
            defer { out.deallocate() }
            benchmark.startMeasurement()
            let clock = MicroData.Stopwatch()
            let reader = try! InputReader(path: path, inflater: kind)
            var n = 0
            while true {
                let k = try! reader.read(into: out)
                if k == 0 { break }
                n += k
            }
            clock.record(benchmark, bytes: n)
            benchmark.stopMeasurement()
            precondition(n == MicroData.ndjson.count, "read \(n) bytes, expected \(MicroData.ndjson.count)")
        } setup: {
            _ = gzipFile
        }
    }
}

/// Where `gzipFile` is: /dev/shm (page cache only) when there is one.
let gzipPath = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
    + "/motcua-micro-\(getpid()).ndjson.gz"

/// `ndjsonGzip` written to `gzipPath` on first use, removed at exit.
let gzipFile: String = {
    guard FileManager.default.createFile(atPath: gzipPath, contents: Data(MicroData.ndjsonGzip)) else {
        fatalError("cannot write \(gzipPath)")
    }
    atexit { unlink(gzipPath) }
    return gzipPath
}()
