// The id tables, on 1,000,000 distinct ids shaped like the generator's
// (`000.00.UU.H56-yymmdd-NNNNNN`, 27 bytes, in a scrambled order):
//   keep-new-ids      PartialResult.keep (hash once, latest-wins dossier table) into a fresh
//                     partial, as a worker starts: table and arena growth included;
//   keep-known-ids    the same ids again into a partial that holds them all (hits only);
//   ByteKeyTable-*    the arena hash table used for codes (units, procedures, sectors, labels):
//                     findOrInsert into a fresh table of 16 Ki capacity / into a full one.
// One iteration is 1M ids: its time in ms is the time per id in ns, its mallocs are per
// million ids.
import Benchmark
import MicroData
import MotcuaMicroKernels
import MotcuaReading

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: MicroData.metrics,
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(5),
        maxIterations: 30,
        thresholds: MicroData.thresholds()
    )

    Benchmark("keep-new-ids") { benchmark in
        let partial = PartialResult(fileCount: 1)
        benchmark.startMeasurement()
        let n = ids.withUnsafeBufferPointer {
            MicroKernels.keepIds(partial, $0.baseAddress!, count: idCount, idBytes: idBytes)
        }
        benchmark.stopMeasurement()
        precondition(n == 1_000_000, "kept \(n)")
    } setup: {
        _ = ids.count
    }

    Benchmark("keep-known-ids") { benchmark in
        let n = ids.withUnsafeBufferPointer {
            MicroKernels.keepIds(fullPartial, $0.baseAddress!, count: idCount, idBytes: idBytes)
        }
        precondition(n == 1_000_000, "kept \(n)")
    } setup: {
        _ = fullPartial
    }

    Benchmark("ByteKeyTable-insert") { benchmark in
        var table = ByteKeyTable(capacity: 1 << 14)
        var inserted = 0
        benchmark.startMeasurement()
        ids.withUnsafeBufferPointer { buf in
            let base = buf.baseAddress!
            for i in 0..<idCount where table.findOrInsert(base + i * idBytes, idBytes).inserted {
                inserted += 1
            }
        }
        benchmark.stopMeasurement()
        precondition(inserted == 1_000_000 && table.count == 1_000_000, "inserted \(inserted)")
    } setup: {
        _ = ids.count
    }

    Benchmark("ByteKeyTable-lookup") { benchmark in
        var found = 0
        ids.withUnsafeBufferPointer { buf in
            let base = buf.baseAddress!
            for i in 0..<idCount where !fullTable.findOrInsert(base + i * idBytes, idBytes).inserted {
                found += 1
            }
        }
        precondition(found == 1_000_000, "found \(found)")
    } setup: {
        _ = fullTable.count
    }
}

let idBytes = 27
let idCount = 1_000_000

/// 1M ids back to back: unit code, day, 6-digit serial (the serials in a scrambled order).
let ids: [UInt8] = {
    var out = [UInt8]()
    out.reserveCapacity(1_000_000 * idBytes)
    for i in 0..<1_000_000 {
        let serial = (i &* 387_413) % 1_000_000   // a permutation (387413 is prime to 10^6)
        let u = serial % 60, day = serial / 7919 % 28 + 1
        let text = "000.00.\(u < 10 ? "0" : "")\(u).H56-2401\(day < 10 ? "0" : "")\(day)-" + String(1_000_000 + serial).dropFirst()
        precondition(text.utf8.count == idBytes)
        out.append(contentsOf: text.utf8)
    }
    return out
}()

/// A partial result holding every id.
let fullPartial: PartialResult = {
    let p = PartialResult(fileCount: 1)
    _ = ids.withUnsafeBufferPointer { MicroKernels.keepIds(p, $0.baseAddress!, count: 1_000_000, idBytes: idBytes) }
    return p
}()

/// A ByteKeyTable holding every id (`var` only because findOrInsert is mutating; every key
/// is present, so lookups insert nothing).
nonisolated(unsafe) var fullTable: ByteKeyTable = {
    var t = ByteKeyTable(capacity: 1 << 14)
    ids.withUnsafeBufferPointer { buf in
        for i in 0..<1_000_000 { _ = t.findOrInsert(buf.baseAddress! + i * idBytes, idBytes) }
    }
    return t
}()
