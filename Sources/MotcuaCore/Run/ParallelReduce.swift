// The streaming core of a run: this thread inflates and frames the files in input order
// into chunk buffers; `threads` workers reduce chunks into their own partial results (no
// shared state in the hot loop); partials merge in worker order at the end. The chunk pool
// bounds the memory in flight and holds the reader back when workers fall behind.
import Dispatch
import Foundation

struct ReduceOutcome {
    var merged: PartialResult
    var files: [FileChunkResult]
    var members: [Int]
    var compressedBytes: [Int]
    /// The first corrupt file under `on_corrupt_input: skip`, which the caller leaves out.
    var skipped: Int?
    /// CSV header warnings (SPEC §2.3).
    var warnings: [String] = []
    /// Seconds the workers ran on after the reader finished, and the merge took.
    var timing = (drain: 0.0, merge: 0.0)
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
        let queue = ChunkQueue()
        let group = DispatchGroup()
        // One date parser per input setting; a worker may see chunks of every file.
        let parsers = files.map { dates($0.spec) }
        let contexts = InputContexts(files: files)
        // reducers[0] is the reader's own: it reduces every chunk with one thread, and with
        // more it takes a chunk whenever the workers fall behind instead of waiting for them.
        let reducers = (0..<threads + (threads == 1 ? 0 : 1)).map { _ in
            ChunkReducer(fileCount: files.count, dates: parsers.first ?? DateTimeParser(), maxLineBytes: maxLineBytes,
                         parsers: parsers, contexts: contexts, spillDirectory: spillDirectory)
        }
        // One thread means one thread: the reader reduces its own chunks. More threads: the
        // reader inflates and frames while `threads` workers reduce.
        let inline = threads == 1
        for r in reducers.dropFirst() where !inline {
            DispatchQueue.global().async(group: group) {
                while let c = queue.pop() {
                    r.reduce(c)
                    pool.give(c)
                }
            }
        }
        var outcome = ReduceOutcome(merged: reducers[0].partial, files: [], members: [], compressedBytes: [])
        var failure: Error?
        let started = DispatchTime.now().uptimeNanoseconds
        var lastReport = started
        var doneBefore = 0, bytesBefore = 0, bytesInFile = 0
        let total = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1.absolutePath)[.size] as? Int) ?? 0) }
        for (i, file) in files.enumerated() {
            var result = FileChunkResult()
            var members = 0, compressed = 0
            if !excluded.contains(i) {
                do {
                    let reader = try InputReader(path: file.absolutePath, inflater: inflater)
                    var chunker = FileChunker(fileIndex: i, maxLineBytes: maxLineBytes, targetBytes: chunkBytes, pool: pool, isCancelled: isCancelled)
                    if file.spec.format == .csv {
                        chunker.framing = RecordFraming(mode: .csv(delimiter: file.spec.delimiter))
                        chunker.onHeader = { header in
                            contexts.setLayout(CSVLayout(header: header, delimiter: file.spec.delimiter,
                                                         overrides: file.spec.columns, file: file.relativePath), file: i)
                        }
                    }
                    bytesInFile = 0
                    result = try chunker.run(reader) { chunk in
                        let size = chunk.count
                        if inline {
                            reducers[0].reduce(chunk)
                            pool.give(chunk)
                        } else {
                            queue.push(chunk)
                            // Workers behind: the reader reduces one itself rather than wait.
                            if let c = queue.tryPop(backlog: threads + 1) {
                                reducers[0].reduce(c)
                                pool.give(c)
                            }
                        }
                        guard let report = progress else { return }
                        bytesInFile += size
                        let now = DispatchTime.now().uptimeNanoseconds
                        if now - lastReport >= 500_000_000 {
                            lastReport = now
                            report(RunProgress(compressedDone: doneBefore + reader.compressedOffset, compressedTotal: total,
                                            bytesDone: bytesBefore + bytesInFile, seconds: Double(now - started) / 1e9))
                        }
                    }
                    members = reader.membersCompleted
                    compressed = reader.compressedBytes
                } catch let e as InputOpenError {
                    failure = MotcuaError(.noInput, e.message)
                } catch {
                    failure = error
                }
                if let damage = result.corrupt {
                    switch policy {
                    case .fail:
                        failure = MotcuaError(.data, "\(file.relativePath): corrupt input at compressed byte offset \(damage.offset): \(damage.reason) (on_corrupt_input: fail)")
                    case .skip:
                        outcome.skipped = i
                    case .salvage:
                        break
                    }
                }
            }
            doneBefore += compressed
            bytesBefore += result.bytesKept
            outcome.files.append(result)
            outcome.members.append(members)
            outcome.compressedBytes.append(compressed)
            if failure != nil || outcome.skipped != nil { break }
        }
        queue.close()
        let readDone = DispatchTime.now().uptimeNanoseconds
        group.wait()
        let workersDone = DispatchTime.now().uptimeNanoseconds
        if let f = failure { throw f }
        outcome.merged.merge(reducers.dropFirst().map(\.partial), threads: threads)
        outcome.warnings = contexts.warnings
        outcome.timing = (Double(workersDone - readDone) / 1e9, Double(DispatchTime.now().uptimeNanoseconds - workersDone) / 1e9)
        return outcome
    }
}
