// Chunk buffers that carry whole lines from the reader to the parse workers, a pool that
// recycles them and bounds the memory in flight, and the queue between the two sides.
import MotcuaFoundation
import Foundation

/// What a file's chunks carry to the workers besides bytes: the file's decoding settings
/// (an input format's `FileLayout`), made by the reading thread and read-only after that.
package protocol ChunkContext: AnyObject, Sendable {}

/// A run of whole records of one file (the last chunk of a file may end without LF); or the
/// excerpt of one record longer than `max_line_bytes` (`overlong`, spanning `lines` lines);
/// or a header row (`header`, empty when it was over the limit) or the blank lines before it
/// (`blank`), which only count their lines.
public final class Chunk {
    public enum Kind { case records, overlong, header, blank }
    public let base: UnsafeMutablePointer<UInt8>
    public let capacity: Int
    // Exclusivity unchecked at run time (the hot path): one thread owns this object at a time.
    @exclusivity(unchecked) public var count = 0
    @exclusivity(unchecked) public var fileIndex = 0
    /// Position of the chunk within its file; with the line inside the chunk it orders records.
    @exclusivity(unchecked) public var seq = 0
    @exclusivity(unchecked) public var kind = Kind.records
    /// Physical lines of an overlong record (or of an empty header chunk).
    @exclusivity(unchecked) public var lines = 1
    /// The file's decoding settings, set by the reader before the chunk is handed on.
    @exclusivity(unchecked) package var context: (any ChunkContext)?

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }
    deinit { base.deallocate() }

    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// A header chunk's row without its terminator; nil when the row was over the line limit.
    package var headerRow: UnsafeBufferPointer<UInt8>? {
        guard kind == .header, count > 0 else { return nil }
        var end = count
        if base[end - 1] == 0x0A { end -= 1 }
        if end > 0 && base[end - 1] == 0x0D { end -= 1 }
        return UnsafeBufferPointer(start: base, count: end)
    }
}

/// Recycles chunk buffers; `take` blocks while `limit` chunks are out, which gives the
/// reader back-pressure when the workers fall behind.
public final class ChunkPool {
    public let chunkCapacity: Int
    // Exclusivity unchecked at run time: every access is under `cond`.
    @exclusivity(unchecked) private var free: [Chunk] = []
    @exclusivity(unchecked) private var out = 0
    private let limit: Int
    private let cond = NSCondition()

    public init(chunkCapacity: Int, limit: Int) {
        self.chunkCapacity = chunkCapacity
        self.limit = limit
    }

    public func take() -> Chunk {
        cond.lock()
        while out >= limit { cond.wait() }
        out += 1
        let c = free.popLast()
        cond.unlock()
        let chunk = c ?? Chunk(capacity: chunkCapacity)
        chunk.count = 0
        chunk.kind = .records
        chunk.context = nil
        return chunk
    }

    public func give(_ chunk: Chunk) {
        cond.lock()
        free.append(chunk)
        out -= 1
        cond.signal()
        cond.unlock()
    }
}

/// A blocking FIFO from one producer to several consumers.
package final class ChunkQueue {
    package init() {}
    // Exclusivity unchecked at run time: every access is under `cond`.
    @exclusivity(unchecked) private var items: [Chunk] = []
    @exclusivity(unchecked) private var head = 0
    @exclusivity(unchecked) private var closed = false
    private let cond = NSCondition()

    package func push(_ chunk: Chunk) {
        cond.lock()
        items.append(chunk)
        cond.signal()
        cond.unlock()
    }

    /// Ends the stream: consumers get nil once the queue is drained.
    package func close() {
        cond.lock()
        closed = true
        cond.broadcast()
        cond.unlock()
    }

    /// The next chunk when one is waiting and at least `backlog` are queued; never blocks.
    package func tryPop(backlog: Int) -> Chunk? {
        cond.lock()
        defer { cond.unlock() }
        guard items.count - head >= backlog else { return nil }
        let c = items[head]
        head += 1
        return c
    }

    package func pop() -> Chunk? {
        cond.lock()
        defer { cond.unlock() }
        while head == items.count && !closed { cond.wait() }
        if head == items.count { return nil }
        let c = items[head]
        head += 1
        if head > 1024 { items.removeFirst(head); head = 0 }
        return c
    }
}
