// Axis ticks at round numbers (Heckbert, "Nice numbers for graph labels", Graphics Gems 1990):
// steps of 1, 2, 2.5 or 5 times a power of ten, the axis widened to whole steps around the data.

package struct NiceScale: Equatable {
    package var min: Double
    package var max: Double
    package var step: Double

    /// Ticks from `min` to `max` by `step` (computed by index, so no drift adds up, and rounded
    /// to the step's decimals: 3 × 0.1 is 0.3, not 0.30000000000000004).
    package var ticks: [Double] {
        let n = Int(((max - min) / step).rounded())
        return (0...n).map { NiceScale.clean(min + Double($0) * step, step) }
    }

    /// Decimals that show every tick exactly (step 0.25 → 2; step 50 → 0).
    package var decimals: Int {
        var d = 0, s = step
        while d < 6 && (s - s.rounded()).magnitude > 1e-9 * Swift.max(1, s.magnitude) { s *= 10; d += 1 }
        return d
    }

    /// A scale covering [low, high] with at most about `maxTicks` ticks. An empty or reversed
    /// range is widened (a single value v > 0 gives 0…v; all zeros give 0…1). `integers`: steps
    /// of whole numbers only (counts: 1, 2, 5, 10 … rather than 0.5 or 2.5).
    package init(low: Double, high: Double, maxTicks: Int = 5, integers: Bool = false) {
        var (lo, hi) = (Swift.min(low, high), Swift.max(low, high))
        if hi - lo <= 0 {
            if hi > 0 { lo = 0 } else if hi < 0 { hi = 0 } else { hi = 1 }
        }
        let range = NiceScale.nice(hi - lo, round: false)
        step = NiceScale.nice(range / Double(Swift.max(1, maxTicks - 1)), round: true)
        if integers && step != step.rounded() { step = step < 1 ? 1 : step == 2.5 ? 2 : step.rounded(.up) }
        min = (lo / step).rounded(.down) * step
        max = (hi / step).rounded(.up) * step
        // Whole steps: clean up the last bits of floating-point error (0.30000000000000004).
        min = NiceScale.clean(min, step)
        max = NiceScale.clean(max, step)
    }

    package init(min: Double, max: Double, step: Double) {
        (self.min, self.max, self.step) = (min, max, step)
    }

    /// The nice number near `x`: rounded to the closest of 1, 2, 2.5, 5, 10 (`round`), or the
    /// smallest of them not below it.
    static func nice(_ x: Double, round: Bool) -> Double {
        guard x > 0 else { return 1 }
        var exponent = 0
        var f = x
        while f >= 10 { f /= 10; exponent += 1 }
        while f < 1 { f *= 10; exponent -= 1 }
        let nf: Double
        if round {
            nf = f < 1.5 ? 1 : f < 2.25 ? 2 : f < 3.5 ? 2.5 : f < 7.5 ? 5 : 10
        } else {
            nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10
        }
        return nf * power(exponent)
    }

    static func power(_ e: Int) -> Double {
        var p = 1.0
        if e >= 0 { for _ in 0..<e { p *= 10 } } else { for _ in 0..<(-e) { p /= 10 } }
        return p
    }

    private static func clean(_ v: Double, _ step: Double) -> Double {
        let p = power(NiceScale(min: 0, max: 0, step: step).decimals + 1)
        return ((v / step).rounded() * step * p).rounded() / p
    }

    /// Where `v` falls on an axis of `length` points (0 at `min`).
    package func position(_ v: Double, length: Double) -> Double {
        max > min ? (v - min) / (max - min) * length : 0
    }
}
