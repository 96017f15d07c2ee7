// The CSV path of a parse worker (SPEC §2.3; issue 5: CSV at ≥ 600 MB/s per core) on ~17.6 MB
// of a vendor CSV export of `motcua generate`'s dossiers (header row with Vietnamese names,
// ~480-byte rows, labels such as "Trực tuyến"; all rows accepted), cut into 4 MiB chunks by
// the reader's CSV framing: ChunkReducer.reduce runs CSVRecordSplitter (RFC 4180 cells) and
// the CSV format's decoder (labels, dates, §3.3 checks) and keeps the latest per dossier.
//   reduce-known-ids  into a reducer that has seen every row before: the per-record steady state;
//   reduce-new-ids    into a fresh reducer per iteration, as a worker starts (adds the tables'
//                     growth and the first sight of each label spelling, normalized once).
// One iteration is the whole input; MB/s are of CSV text.
import Benchmark
import Dispatch
import MicroData
import MotcuaMicroKernels
import MotcuaReading

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = MicroData.throughputConfiguration

    Benchmark("reduce-known-ids") { benchmark in
        let kernel = csvChunks, reducer = warmReducer
        MicroData.measureReduce(benchmark, kernel, reducer, bytes: MicroData.csv.count)
    } setup: {
        _ = warmReducer
    }

    Benchmark("reduce-new-ids") { benchmark in
        let kernel = csvChunks
        let reducer = kernel.makeReducer()
        MicroData.measureReduce(benchmark, kernel, reducer, bytes: MicroData.csv.count)
        precondition(reducer.partial.files[0].rejected == 0, "unexpected rejects: \(reducer.partial.files[0].rejected)")
    } setup: {
        _ = csvChunks
    }
}

let csvChunks = try! MicroKernels.Reduce(MicroData.csv, format: .csv)
/// A reducer that has reduced the input once: every id and label is known.
let warmReducer: ChunkReducer = {
    let r = csvChunks.makeReducer()
    _ = csvChunks.run(r)
    return r
}()
