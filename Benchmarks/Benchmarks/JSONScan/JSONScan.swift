// The dvcqg-ndjson path of a parse worker (issue 5: "a scanner at memory speed", no per-record
// heap allocation) on ~32 MiB of `motcua generate` records (~1.5 KB each; all accepted):
//   scan                 JSONStructuralScanner.scan on every line: the JSON scanner alone
//                        (stage 1 index, stage 2 grammar and fields; issue 16);
//   scan-reference       the same with JSONRecordScanner, the recursive-descent reference;
//   decode               NDJSONDecoder.decode on every line (UTF-8 check, the scanner,
//                        unescaping, the §3.3 checks, dates) — no framing, no table;
//   reduce-known-ids     ChunkReducer.reduce over the file's 4 MiB chunks into a reducer that
//                        has seen them all before (every id found, none inserted): the
//                        per-record steady state, which should allocate nothing;
//   reduce-new-ids       the same into a fresh reducer per iteration, as a worker starts: adds
//                        the tables' growth (amortized: O(log n) allocations, not per record);
//   reduce-with-rejects  the generator's files as they are (~0.15 % bad records, cut last
//                        lines), fresh reducer: each reject keeps its first 200 bytes, by design.
// One iteration is the whole input; MB/s are of NDJSON text.
import Benchmark
import Dispatch
import MicroData
import MotcuaMicroKernels
import MotcuaReading

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = MicroData.throughputConfiguration

    Benchmark("scan") { benchmark in
        let scanner = JSONStructuralScanner()
        measureScan(benchmark) { scanner.scan($0) }
    } setup: {
        _ = ndjsonLines
    }

    Benchmark("scan-reference") { benchmark in
        let scanner = JSONRecordScanner()
        measureScan(benchmark) { scanner.scan($0) }
    } setup: {
        _ = ndjsonLines
    }

    Benchmark("decode") { benchmark in
        let bytes = MicroData.ndjson, lines = ndjsonLines
        let decoder = NDJSONDecoder(dates: DateTimeParser(), maxLineBytes: 1 << 20)
        var record = DecodedRecord()
        var accepted = 0
        benchmark.startMeasurement()
        let clock = MicroData.Stopwatch()
        bytes.withUnsafeBufferPointer { buf in
            for l in lines where decoder.decode(UnsafeBufferPointer(rebasing: buf[l.start..<(l.start + l.count)]), into: &record) == nil {
                accepted += 1
            }
        }
        clock.record(benchmark, bytes: bytes.count)
        benchmark.stopMeasurement()
        precondition(accepted == lines.count, "accepted \(accepted) of \(lines.count)")
    } setup: {
        _ = ndjsonLines
    }

    Benchmark("reduce-known-ids") { benchmark in
        let kernel = ndjsonChunks, reducer = warmReducer
        MicroData.measureReduce(benchmark, kernel, reducer, bytes: MicroData.ndjson.count)
    } setup: {
        _ = warmReducer
    }

    Benchmark("reduce-new-ids") { benchmark in
        let kernel = ndjsonChunks
        let reducer = kernel.makeReducer()
        MicroData.measureReduce(benchmark, kernel, reducer, bytes: MicroData.ndjson.count)
        precondition(reducer.partial.files[0].rejected == 0, "unexpected rejects")
    } setup: {
        _ = ndjsonChunks
    }

    Benchmark("reduce-with-rejects") { benchmark in
        let kernel = rawChunks
        let reducer = kernel.makeReducer()
        MicroData.measureReduce(benchmark, kernel, reducer, bytes: MicroData.ndjsonWithRejects.count)
    } setup: {
        _ = rawChunks
    }
}

let ndjsonLines = MicroData.lines(MicroData.ndjson)

/// One iteration: `scan` on every line, all of which it must accept; MB/s of NDJSON text.
func measureScan(_ benchmark: Benchmark, _ scan: (UnsafeBufferPointer<UInt8>) -> Bool) {
    let bytes = MicroData.ndjson, lines = ndjsonLines
    var accepted = 0
    benchmark.startMeasurement()
    let clock = MicroData.Stopwatch()
    bytes.withUnsafeBufferPointer { buf in
        for l in lines where scan(UnsafeBufferPointer(rebasing: buf[l.start..<(l.start + l.count)])) {
            accepted += 1
        }
    }
    clock.record(benchmark, bytes: bytes.count)
    benchmark.stopMeasurement()
    precondition(accepted == lines.count, "accepted \(accepted) of \(lines.count)")
}
let ndjsonChunks = try! MicroKernels.Reduce(MicroData.ndjson, format: .dvcqgNdjson)
let rawChunks = try! MicroKernels.Reduce(MicroData.ndjsonWithRejects, format: .dvcqgNdjson)
/// A reducer that has reduced the input once: every id is in its table.
let warmReducer: ChunkReducer = {
    let r = ndjsonChunks.makeReducer()
    _ = ndjsonChunks.run(r)
    return r
}()
