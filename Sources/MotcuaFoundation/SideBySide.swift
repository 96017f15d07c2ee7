// Work cut into contiguous slices that run on up to N threads. Results come back in slice
// order and callers combine them in that order, so what is built never depends on N.
import Dispatch

package enum SideBySide {
    /// `body` over `0..<count` cut into at most `threads` ranges of at least `minimum` items
    /// (one range when that leaves nothing to share); the results in range order.
    package static func slices<T>(_ count: Int, threads: Int, minimum: Int = 1, _ body: (Range<Int>) -> T) -> [T] {
        let n = max(1, min(threads, count / max(minimum, 1)))
        if n == 1 { return [body(0..<count)] }
        var results = [T?](repeating: nil, count: n)
        results.withUnsafeMutableBufferPointer { out in
            let slots = out
            DispatchQueue.concurrentPerform(iterations: n) { i in
                slots[i] = body(count * i / n ..< count * (i + 1) / n)
            }
        }
        return results.map { $0! }
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
