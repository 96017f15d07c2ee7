// A count with the bytewise smallest few distinct dossier ids behind it: a data-quality row's
// `count` and `examples` (issue 15). Counts add and "the smallest five" is a min, so tallies
// merge in any order and grouping to the same value — the rows do not depend on threads.

public struct ExampleIds: Sendable, Equatable {
    /// How many examples a tally keeps.
    public static let limit = 5
    public private(set) var count = 0
    /// Distinct ids, bytewise ascending, at most `limit`.
    public private(set) var ids: [[UInt8]] = []

    public init() {}

    /// A tally saved earlier (the state between runs): `ids` as it held them.
    package init(count: Int, ids: [[UInt8]]) {
        self.count = count
        self.ids = Array(ids.prefix(ExampleIds.limit))
    }

    /// Counts one more and offers `id` as an example (an empty id is counted, never shown).
    /// Allocates only when the id enters the examples.
    public mutating func note(_ id: UnsafeBufferPointer<UInt8>) {
        count += 1
        guard !id.isEmpty else { return }
        if ids.count == ExampleIds.limit, !id.lexicographicallyPrecedes(ids[ExampleIds.limit - 1]) { return }
        insert(id)
    }

    /// Adds another tally's count and examples.
    public mutating func merge(_ other: ExampleIds) {
        count += other.count
        for id in other.ids {
            if ids.count == ExampleIds.limit, !id.lexicographicallyPrecedes(ids[ExampleIds.limit - 1]) { break }
            id.withUnsafeBufferPointer { insert($0) }
        }
    }

    private mutating func insert(_ id: UnsafeBufferPointer<UInt8>) {
        var i = ids.count
        while i > 0 && id.lexicographicallyPrecedes(ids[i - 1]) { i -= 1 }
        if i > 0 && ids[i - 1].elementsEqual(id) { return }
        ids.insert(Array(id), at: i)
        if ids.count > ExampleIds.limit { ids.removeLast() }
    }
}
