// Work cut into contiguous slices that run on up to N threads. Results come back in slice
// order and callers combine them in that order, so what is built never depends on N.
import Dispatch

package enum SideBySide {
    /// `body` over `0..<count` cut into at most `threads` ranges of at least `minimum` items
    /// (one range when that leaves nothing to share); the results in range order. `body` runs
    /// on several threads at once: it may only read what it shares with the caller.
    package static func slices<T>(_ count: Int, threads: Int, minimum: Int = 1, _ body: (Range<Int>) -> T) -> [T] {
        let n = max(1, min(threads, count / max(minimum, 1)))
        if n == 1 { return [body(0..<count)] }
        var results = [T?](repeating: nil, count: n)
        withoutActuallyEscaping(body) { body in
            results.withUnsafeMutableBufferPointer { out in
                let job = ForkJoin(slots: out, body: body)
                DispatchQueue.concurrentPerform(iterations: n) { i in
                    job.slots[i] = job.body(count * i / n ..< count * (i + 1) / n)
                }
            }
        }
        return results.map { $0! }
    }

    // Unchecked: concurrentPerform joins before returning, iteration i writes slots[i] only, body only reads.
    private struct ForkJoin<T>: @unchecked Sendable {
        let slots: UnsafeMutableBufferPointer<T?>
        let body: (Range<Int>) -> T
    }

    /// The slices' results end to end; the first is moved, not copied.
    package static func joined<T>(_ parts: consuming [[T]]) -> [T] {
        var parts = parts
        guard !parts.isEmpty else { return [] }
        let total = parts.reduce(0) { $0 + $1.count }
        var out: [T] = []
        swap(&out, &parts[0])
        out.reserveCapacity(total)
        for p in parts.dropFirst() { out += p }
        return out
    }
}
