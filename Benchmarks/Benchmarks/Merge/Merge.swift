// PartialResult.merge (the end of a run: worker partials folded in a fixed order) of two
// partial results with 500,000 dossiers each, 125,000 ids in both (the later position wins),
// ids shaped like the generator's, 60 units / 200 procedures / 40 sectors to remap; on 1 and
// on 2 threads (the merge splits the dossiers into hash partitions). Both partials are rebuilt
// before each iteration, outside the measurement (a merge takes the other's dossiers).
import Benchmark
import MicroData
import MotcuaMicroKernels
import MotcuaReading

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: MicroData.metrics,
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 20,
        thresholds: MicroData.thresholds()
    )

    for threads in [1, 2] {
        Benchmark("merge-2x500k-\(threads)-thread\(threads == 1 ? "" : "s")") { benchmark in
            let into = MicroKernels.partial(dossiers: 500_000, first: 0, chunk: 0)
            let other = MicroKernels.partial(dossiers: 500_000, first: 375_000, chunk: 1)
            benchmark.startMeasurement()
            into.merge([other], threads: threads)
            benchmark.stopMeasurement()
            precondition(into.dossierCount == 875_000, "merged \(into.dossierCount) dossiers")
        }
    }
}
