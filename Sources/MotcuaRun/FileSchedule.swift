// Which file each reading thread takes next when several files are read at once. The files,
// in input order, are cut into one run of neighbouring files per thread with about equal
// bytes: neighbouring daily exports share most re-exported dossiers, so a dossier tends to be
// kept by one thread only (less memory, a smaller merge). A thread done with its run takes
// files from the far end of the run with the most bytes left.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import Foundation

// Unchecked: all mutable state is read and written only while holding `lock`.
final class FileSchedule: @unchecked Sendable {
    private let lock = NSLock()
    /// Per thread: file indices still to read, in input order.
    private var runs: [ArraySlice<Int>]
    private var sizes: [Int: Int]
    /// Per thread: the bytes of the files still in its run (kept as files are taken: summing
    /// them at each take cost a pass over every file left, hours for 300,000 files).
    private var bytesLeft: [Int]
    /// Files from this input index on are not started: one before it stopped the run.
    private var stopIndex = Int.max

    /// `files`: indices in input order with their sizes on disk.
    init(files: [(index: Int, size: Int)], threads: Int) {
        let sizes = Dictionary(uniqueKeysWithValues: files.map { ($0.index, max($0.size, 1)) })
        self.sizes = sizes
        let total = files.reduce(0) { $0 + max($1.size, 1) }
        var runs: [ArraySlice<Int>] = []
        var start = 0, seen = 0
        for t in 0..<threads {
            // This run ends where the bytes so far pass t + 1 shares (at least one file each while they last).
            var end = start
            while end < files.count, seen + max(files[end].size, 1) <= total * (t + 1) / threads || end == start {
                seen += max(files[end].size, 1)
                end += 1
            }
            if t == threads - 1 { end = files.count }
            runs.append(ArraySlice(files[start..<end].map(\.index)))
            start = end
        }
        self.runs = runs
        bytesLeft = runs.map { $0.reduce(0) { $0 + sizes[$1]! } }
    }

    /// The next file for `thread`, or nil when none is left to start. After a stop, files
    /// earlier in input order than the one that stopped are still read: the first stop in
    /// input order decides, as when reading one by one.
    func next(for thread: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        while true {
            if let i = runs[thread].popFirst() {
                bytesLeft[thread] -= sizes[i]!
                if i < stopIndex { return i }
                continue
            }
            guard let other = bytesLeft.indices.max(by: { bytesLeft[$0] < bytesLeft[$1] }), bytesLeft[other] > 0,
                  let i = runs[other].popLast() else { return nil }
            bytesLeft[other] -= sizes[i]!
            if i < stopIndex { return i }
        }
    }

    func stop(at file: Int) {
        lock.lock()
        stopIndex = min(stopIndex, file)
        // Runs are in input order: what is left of each from the stop on is never started.
        for t in runs.indices {
            while let last = runs[t].last, last >= stopIndex {
                runs[t].removeLast()
                bytesLeft[t] -= sizes[last]!
            }
        }
        lock.unlock()
    }
}
