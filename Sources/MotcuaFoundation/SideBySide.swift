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

    /// As `slices`, with each range cut further into blocks of at most `block` items and
    /// `isCancelled` asked before each block (on the slices' threads: it must be safe to call
    /// from any thread, and stay true once true, as the signal flag's atomic load is): long
    /// work stops within one block of a signal.
    /// The blocks' results in order; `Interrupted`, once every thread has stopped, when it said so.
    package static func blocks<T>(_ count: Int, threads: Int, minimum: Int = 1, block: Int,
                                  isCancelled: () -> Bool, _ body: (Range<Int>) -> T) throws -> [T] {
        let parts = slices(count, threads: threads, minimum: minimum) { range in
            var out: [T] = []
            for start in stride(from: range.lowerBound, to: range.upperBound, by: max(block, 1)) {
                if isCancelled() { break }
                out.append(body(start ..< min(start + max(block, 1), range.upperBound)))
            }
            return out
        }
        // The flag only goes up: a thread that stopped early is seen here.
        if isCancelled() { throw Interrupted() }
        return parts.flatMap { $0 }
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

/// Frees what `value` holds on another thread, leaving `empty` in its place. A run stopped by
/// a signal drops what it built on its way out, and hundreds of thousands of paths or files
/// take longer to free than the signal may wait (the process is about to exit).
package func freeInBackground<T>(_ value: inout T, leaving empty: T) {
    let box = Dropped(empty)
    swap(&box.value!, &value)   // no other reference left here: the last one goes over there
    DispatchQueue.global(qos: .utility).async { box.value = nil }
}

// Unchecked: filled before the box is handed over, then touched by that thread only.
private final class Dropped<T>: @unchecked Sendable {
    var value: T?
    init(_ value: T) { self.value = value }
}
