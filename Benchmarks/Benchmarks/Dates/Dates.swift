// DateTimeParser.localDay (SPEC §2.4) straight from bytes: 4096 values cycled, all valid.
//   portal-form  yyyyMMddHHmmss, what 95 % of the portal's values look like;
//   mixed-forms  every accepted form in turn: yyyyMMddHHmmss, yyyyMMdd, ISO with T (plain,
//                .fraction, Z, ±hh:mm offsets — those shift to the pipeline's zone), ISO with
//                a space, yyyy-MM-dd, dd/MM/yyyy HH:mm:ss, dd/MM/yyyy HH:mm, dd/MM/yyyy.
// Scaling factor 1M: the table shows time per parse (ns) and parses per second.
import Benchmark
import MicroData
import MotcuaReading

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: MicroData.metrics,
        timeUnits: .nanoseconds,
        warmupIterations: 2,
        scalingFactor: .mega,
        maxDuration: .seconds(3),
        maxIterations: 100,
        thresholds: MicroData.thresholds()
    )

    for (name, table) in [("portal-form", portalDates), ("mixed-forms", mixedDates)] {
        Benchmark("localDay-\(name)") { benchmark in
            let parser = DateTimeParser()
            var sum: Int32 = 0
            table.bytes.withUnsafeBufferPointer { buf in
                let base = buf.baseAddress!
                for i in benchmark.scaledIterations {
                    let v = table.values[i & 4095]
                    sum &+= parser.localDay(base + v.start, v.count) ?? -1
                }
            }
            blackHole(sum)
        } setup: {
            _ = table.values.count
        }
    }
}

/// 4096 date-time values in one arena.
struct DateTable {
    var bytes: [UInt8] = []
    var values: [(start: Int, count: Int)] = []
}

/// Deterministic values: days and times from a fixed linear congruential sequence.
func makeDates(forms: [(Int, Int, Int, Int, Int, Int, Int) -> String]) -> DateTable {
    var t = DateTable()
    var x: UInt64 = 0x9E37_79B9
    func next(_ n: Int) -> Int {
        x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((x >> 33) % UInt64(n))
    }
    for i in 0..<4096 {
        let y = 2019 + next(8), mo = 1 + next(12), d = 1 + next(28), h = next(24), mi = next(60), s = next(60)
        let text = forms[i % forms.count](y, mo, d, h, mi, s, next(1000))
        t.values.append((t.bytes.count, text.utf8.count))
        t.bytes.append(contentsOf: text.utf8)
    }
    let parser = DateTimeParser()
    t.bytes.withUnsafeBufferPointer { buf in
        for v in t.values { precondition(parser.localDay(buf.baseAddress! + v.start, v.count) != nil, "a benchmark date does not parse") }
    }
    return t
}

func p2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

let portalDates = makeDates(forms: [{ y, mo, d, h, mi, s, _ in "\(y)\(p2(mo))\(p2(d))\(p2(h))\(p2(mi))\(p2(s))" }])
let mixedDates = makeDates(forms: [
    { y, mo, d, h, mi, s, _ in "\(y)\(p2(mo))\(p2(d))\(p2(h))\(p2(mi))\(p2(s))" },
    { y, mo, d, _, _, _, _ in "\(y)\(p2(mo))\(p2(d))" },
    { y, mo, d, h, mi, s, _ in "\(y)-\(p2(mo))-\(p2(d))T\(p2(h)):\(p2(mi)):\(p2(s))" },
    { y, mo, d, h, mi, s, f in "\(y)-\(p2(mo))-\(p2(d))T\(p2(h)):\(p2(mi)):\(p2(s)).\(f)Z" },
    { y, mo, d, h, mi, s, _ in "\(y)-\(p2(mo))-\(p2(d))T\(p2(h)):\(p2(mi)):\(p2(s))+07:00" },
    { y, mo, d, h, mi, s, _ in "\(y)-\(p2(mo))-\(p2(d))T\(p2(h)):\(p2(mi)):\(p2(s))-05:30" },
    { y, mo, d, h, mi, s, _ in "\(y)-\(p2(mo))-\(p2(d)) \(p2(h)):\(p2(mi)):\(p2(s))" },
    { y, mo, d, _, _, _, _ in "\(y)-\(p2(mo))-\(p2(d))" },
    { y, mo, d, h, mi, s, _ in "\(p2(d))/\(p2(mo))/\(y) \(p2(h)):\(p2(mi)):\(p2(s))" },
    { y, mo, d, h, mi, _, _ in "\(p2(d))/\(p2(mo))/\(y) \(p2(h)):\(p2(mi))" },
    { y, mo, d, _, _, _, _ in "\(p2(d))/\(p2(mo))/\(y)" },
])
