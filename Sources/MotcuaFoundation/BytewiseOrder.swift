// The one order of names and paths in SPEC §2.1 and §7.3.

/// Bytewise (UTF-8) order, as SPEC §7.3 sorts.
public func bytewiseLess(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// The indices of `keys` in bytewise order of the keys (equal keys in either order), asking
/// `isCancelled` between pieces of the sort: hundreds of thousands of paths take seconds to
/// sort as Strings, so their bytes are sorted in runs of 4,096 merged pairwise, a signal
/// heard before each run and each merge (`Interrupted` then).
package func bytewiseOrder(_ keys: [String], isCancelled: () -> Bool) throws -> [Int] {
    var bytes: [[UInt8]] = []
    bytes.reserveCapacity(keys.count)
    for (n, key) in keys.enumerated() {
        if n % 4096 == 4095, isCancelled() { throw Interrupted() }
        bytes.append(Array(key.utf8))
    }
    func less(_ a: Int, _ b: Int) -> Bool {
        bytes[a].withUnsafeBufferPointer { x in bytes[b].withUnsafeBufferPointer { y in x.lexicographicallyPrecedes(y) } }
    }
    let run = 4096
    var order = Array(keys.indices)
    for start in stride(from: 0, to: order.count, by: run) {
        if isCancelled() { throw Interrupted() }
        order[start ..< min(start + run, order.count)].sort(by: less)
    }
    var merged = order, width = run
    while width < order.count {
        for low in stride(from: 0, to: order.count, by: 2 * width) {
            if isCancelled() { throw Interrupted() }
            let mid = min(low + width, order.count), high = min(low + 2 * width, order.count)
            var i = low, j = mid
            for k in low ..< high {
                if j < high && (i == mid || less(order[j], order[i])) {
                    merged[k] = order[j]
                    j += 1
                } else {
                    merged[k] = order[i]
                    i += 1
                }
            }
        }
        swap(&order, &merged)
        width *= 2
    }
    return order
}
