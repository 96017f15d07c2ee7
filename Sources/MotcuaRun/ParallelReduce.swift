// The streaming core of a run. One file (or one thread): a reading thread inflates and frames
// the file into chunk buffers and `threads - 1` workers reduce them; the reader reduces a
// chunk itself whenever the workers fall behind. Several files: each of the `threads`
// threads takes the next file, inflates it and reduces its own chunks (no hand-off between
// cores); a thread that runs out of files takes chunks the others hand to it instead.
// Either way each thread reduces into its own partial result (no shared state in the hot
// loop) and partials merge at the end; "latest" is a max over input positions, so the
// result does not depend on which thread read what. The chunk pool bounds the memory in
// flight and holds readers back when the reducers fall behind.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaOutput
import MotcuaPipeline
import Dispatch
import Foundation

struct ReduceOutcome {
    var merged: PartialResult
    var files: [FileChunkResult]
    var members: [Int]
    var compressedBytes: [Int]
    /// The first corrupt file under `on_corrupt_input: skip`, which the caller leaves out.
    var skipped: Int?
    /// What stopped the run (the first file in input order that did); the partials are
    /// merged all the same, so that the failure can be explained.
    var failure: Error?
    /// Files that were opened (a failure stops files from starting).
    var reached: [Bool] = []
    /// Per file: CSV header warnings (SPEC §2.3).
    var fileWarnings: [[String]] = []
    var warnings: [String] { fileWarnings.flatMap { $0 } }
    /// Seconds the workers ran on after the reader finished, and the merge took.
    var timing = (drain: 0.0, merge: 0.0)
}

/// What reading one file gave: its chunking result and gzip figures, or why the run stops.
private struct FileRead {
    var result = FileChunkResult()
    var members = 0
    var compressed = 0
    var failure: Error?
    var reached = false
    /// Corrupt under `skip`: the caller reads again without this file.
    var skip = false
    /// Problems with the file's header row (SPEC §2.3).
    var warnings: [String] = []
}

struct ParallelReduce {
    let files: [InputFile]
    let excluded: Set<Int>
    let threads: Int
    let maxLineBytes: Int
    let chunkBytes: Int
    var inflater = InflaterKind.preferred
    /// Where workers spill rejects beyond their memory bound (the output directory).
    var spillDirectory: String?
    let dates: (InputSpec) -> DateTimeParser
    let policy: CorruptPolicy
    let isCancelled: () -> Bool
    var progress: (@Sendable (RunProgress) -> Void)? = nil

    func run() throws -> ReduceOutcome {
        let pool = ChunkPool(chunkCapacity: FileChunker.chunkCapacity(maxLineBytes: maxLineBytes, targetBytes: chunkBytes), limit: threads * 2 + 2)
        let reducers = (0..<threads).map { _ in ChunkReducer(fileCount: files.count, spillDirectory: spillDirectory) }
        let meter = ProgressMeter(files: files, report: progress)
        let reads: [FileRead]
        let readDone: UInt64
        if threads > 1 && files.count - excluded.count > 1 {
            reads = readFilesInParallel(pool: pool, reducers: reducers, meter: meter)
            readDone = DispatchTime.now().uptimeNanoseconds
        } else {
            (reads, readDone) = readOneByOne(pool: pool, reducers: reducers, meter: meter)
        }
        let workersDone = DispatchTime.now().uptimeNanoseconds

        var outcome = ReduceOutcome(merged: reducers[0].partial, files: reads.map(\.result), members: reads.map(\.members),
                                    compressedBytes: reads.map(\.compressed))
        // The first file in input order that stops the run decides, as if read one by one.
        for (i, read) in reads.enumerated() {
            if let f = read.failure {
                if f is Interrupted { throw f }
                outcome.failure = f
                break
            }
            if read.skip { outcome.skipped = i; break }
        }
        outcome.reached = reads.map(\.reached)
        outcome.merged.merge(reducers.dropFirst().map(\.partial), threads: threads)
        outcome.fileWarnings = reads.map(\.warnings)
        outcome.timing = (Double(workersDone - readDone) / 1e9, Double(DispatchTime.now().uptimeNanoseconds - workersDone) / 1e9)
        return outcome
    }

    /// Files in order on this thread; `reducers[0]` is this thread's, the others are workers'.
    private func readOneByOne(pool: ChunkPool, reducers: [ChunkReducer],
                              meter: ProgressMeter) -> ([FileRead], UInt64) {
        let queue = ChunkQueue()
        let group = DispatchGroup()
        for r in reducers.dropFirst() {
            let work = ThreadBody {
                while let c = queue.pop() {
                    r.reduce(c)
                    pool.give(c)
                }
            }
            DispatchQueue.global().async(group: group) { work.run() }
        }
        let workers = reducers.count - 1
        var reads = [FileRead](repeating: FileRead(), count: files.count)
        for i in files.indices where !excluded.contains(i) {
            reads[i] = read(i, pool: pool, meter: meter) { chunk in
                if workers == 0 {
                    reducers[0].reduce(chunk)
                    pool.give(chunk)
                    return
                }
                queue.push(chunk)
                // Workers behind: this thread reduces one itself rather than wait for them. Only
                // once two chunks beyond one per worker wait: at one, this thread (which also
                // inflates) took so many that the worker idled (paired runs: 0.89× the wall time
                // with ISA-L, 0.97× with zlib, 0.94× for CSV; at three or more, 1.3× slower).
                if let c = queue.tryPop(backlog: workers + 2) {
                    reducers[0].reduce(c)
                    pool.give(c)
                }
            }
            if reads[i].failure != nil || reads[i].skip { break }
        }
        queue.close()
        let readDone = DispatchTime.now().uptimeNanoseconds
        group.wait()
        return (reads, readDone)
    }

    /// Every thread reads whole files and reduces its own chunks; threads without a file left
    /// reduce chunks the others hand over. A file that stops the run stops new files starting.
    private func readFilesInParallel(pool: ChunkPool, reducers: [ChunkReducer],
                                     meter: ProgressMeter) -> [FileRead] {
        let queue = ChunkQueue()
        let state = SharedCounters(readers: reducers.count)
        let schedule = FileSchedule(files: files.indices.filter { !excluded.contains($0) }.map { ($0, files[$0].sizeOnDisk ?? 0) },
                                    threads: reducers.count)
        let results = ReadResults(count: files.count)
        // Real threads, not Dispatch work items: a reader out of files blocks for hand-overs,
        // which must not keep another reader's work item from starting.
        let group = DispatchGroup()
        func body(_ t: Int) {
            let reducer = reducers[t]
            while let i = schedule.next(for: t) {
                let r = read(i, pool: pool, meter: meter) { chunk in
                    let idle = state.idleReaders
                    if idle > 0 {
                        queue.push(chunk)
                        // The idle threads behind: reduce one here rather than wait for a free chunk.
                        guard let c = queue.tryPop(backlog: idle + 1) else { return }
                        reducer.reduce(c)
                        pool.give(c)
                    } else {
                        reducer.reduce(chunk)
                        pool.give(chunk)
                    }
                }
                results.set(i, r)
                // A signal: no file starts any more (the run throws it whatever the others found).
                if r.failure != nil || r.skip { schedule.stop(at: r.failure is Interrupted ? 0 : i) }
            }
            if state.finishReading() { queue.close() }
            while let c = queue.pop() {
                reducer.reduce(c)
                pool.give(c)
            }
        }
        for t in 1..<reducers.count {
            group.enter()
            let work = ThreadBody {
                body(t)
                group.leave()
            }
            Thread { work.run() }.start()
        }
        body(0)
        group.wait()
        return results.all
    }

    /// Opens, inflates and frames file `i`, passing each chunk to `emit` with the file's layout
    /// (its input format's decoding settings, compiled from the header row when there is one).
    private func read(_ i: Int, pool: ChunkPool, meter: ProgressMeter, emit: (Chunk) -> Void) -> FileRead {
        let file = files[i]
        var out = FileRead()
        out.reached = true
        do {
            var formatted = FormattedFile(file.spec, path: file.relativePath, dates: dates(file.spec), maxLineBytes: maxLineBytes)
            let reader = try formatted.open(file.absolutePath, inflater: inflater)
            var chunker = formatted.chunker(fileIndex: i, targetBytes: chunkBytes, pool: pool, isCancelled: isCancelled)
            var bytes = 0
            out.result = try chunker.run(reader) { chunk in
                formatted.stamp(chunk)
                bytes += chunk.count
                emit(chunk)
                meter.update(file: i, compressed: reader.compressedOffset, bytes: bytes)
            }
            out.warnings = (formatted.layout?.warnings ?? []) + reader.warnings
            out.members = reader.membersCompleted
            out.compressed = reader.compressedBytes
        } catch let e as InputOpenError {
            out.failure = MotcuaError(.noInput, e.message)
        } catch {
            out.failure = error
        }
        if let damage = out.result.corrupt {
            switch policy {
            case .fail:
                out.failure = MotcuaError(.data, "\(file.relativePath): corrupt input at compressed byte offset \(damage.offset): \(damage.reason) (on_corrupt_input: fail)")
            case .skip:
                out.skip = true
            case .salvage:
                break
            }
        }
        meter.update(file: i, compressed: out.compressed, bytes: out.result.bytesKept)
        return out
    }
}

/// A thread's work: what it touches is either its own (its reducer) or locked.
// Unchecked: run once on one thread; it touches its own reducer, locked objects, and read-only state.
private final class ThreadBody: @unchecked Sendable {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// How many readers still read, and how many wait for chunks.
// Unchecked: every stored var is read and written only while holding `lock`.
private final class SharedCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var reading: Int
    private var idle = 0

    init(readers: Int) { reading = readers }

    /// This reader has no file left; true for the last one (which ends the hand-over queue).
    func finishReading() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        reading -= 1
        idle += 1
        return reading == 0
    }

    /// Readers waiting for chunks (asked once per chunk, so the lock costs nothing measurable).
    var idleReaders: Int {
        lock.lock()
        defer { lock.unlock() }
        return idle
    }
}

// Unchecked: `reads` is read and written only while holding `lock`.
private final class ReadResults: @unchecked Sendable {
    private let lock = NSLock()
    private var reads: [FileRead]
    init(count: Int) { reads = [FileRead](repeating: FileRead(), count: count) }
    func set(_ i: Int, _ r: FileRead) {
        lock.lock()
        reads[i] = r
        lock.unlock()
    }
    var all: [FileRead] {
        lock.lock()
        defer { lock.unlock() }
        return reads
    }
}

/// Sums the progress of files read on several threads and reports it every half second.
// Unchecked: the vars are touched only under `lock`; `report` is @Sendable and the lets are immutable.
private final class ProgressMeter: @unchecked Sendable {
    private let lock = NSLock()
    private let report: (@Sendable (RunProgress) -> Void)?
    private let total: Int
    private var compressed: [Int]
    private var bytes: [Int]
    private let started = DispatchTime.now().uptimeNanoseconds
    private var last: UInt64

    init(files: [InputFile], report: (@Sendable (RunProgress) -> Void)?) {
        self.report = report
        // A stat per file: only for a progress line (hundreds of thousands of files take a while).
        total = report == nil ? 0 : files.reduce(0) { $0 + ($1.sizeOnDisk ?? 0) }
        compressed = [Int](repeating: 0, count: files.count)
        bytes = compressed
        last = started
    }

    func update(file: Int, compressed c: Int, bytes b: Int) {
        guard let report else { return }
        lock.lock()
        compressed[file] = c
        bytes[file] = b
        let now = DispatchTime.now().uptimeNanoseconds
        var due: RunProgress?
        if now - last >= 500_000_000 {
            last = now
            due = RunProgress(compressedDone: compressed.reduce(0, +), compressedTotal: total,
                              bytesDone: bytes.reduce(0, +), seconds: Double(now - started) / 1e9)
        }
        lock.unlock()
        if let due { report(due) }
    }
}
