// The only randomness of `motcua generate`: xoshiro256** seeded through SplitMix64, plus an
// exp() made of IEEE basic operations, so that the same seed gives the same bytes on every
// machine (Swift's own random number generators and libm are never used).
import MotcuaFoundation

struct GenRandom {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The generator for `seed`; `stream` picks an independent sequence (catalogs, simulation, one per day).
    init(seed: UInt64, stream: UInt64 = 0) {
        var x = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    @inline(__always) mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1), 53 bits.
    @inline(__always) mutating func double() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    @inline(__always) mutating func chance(_ p: Double) -> Bool { double() < p }

    /// Uniform in 0..<n (Lemire's method, unbiased).
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Uniform in lo...hi.
    @inline(__always) mutating func int(_ lo: Int, _ hi: Int) -> Int { lo + below(hi - lo + 1) }

    /// Uniform in [lo, hi).
    @inline(__always) mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * double() }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// A Poisson count with this mean: Knuth's product of uniforms up to 30, a rounded normal
    /// (Irwin–Hall, 12 uniforms) above.
    mutating func poisson(_ mean: Double) -> Int {
        if mean <= 0 { return 0 }
        if mean > 30 {
            var g = -6.0
            for _ in 0..<12 { g += double() }
            return max(0, Int((mean + mean.squareRoot() * g).rounded()))
        }
        let limit = expNeg(mean)
        var k = 0, p = 1.0
        while true {
            p *= double()
            if p <= limit { return k }
            k += 1
        }
    }

    mutating func shuffle<T>(_ a: inout [T]) {
        if a.count < 2 { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, below(i + 1)) }
    }
}

/// e^-x for x ≥ 0 from +, ×, ÷ only (halve until ≤ 0.5, Taylor series, square back).
func expNeg(_ x: Double) -> Double {
    var y = x, halvings = 0
    while y > 0.5 { y /= 2; halvings += 1 }
    var term = 1.0, sum = 1.0
    for i in 1...24 { term *= -y / Double(i); sum += term }
    for _ in 0..<halvings { sum *= sum }
    return sum
}
