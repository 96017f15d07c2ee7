// libFuzzer target: one input file end to end through the reader thread's and a worker's
// code (InputReader → FileChunker → ChunkReducer), NDJSON or CSV, with a small line limit.
// Properties: records = accepted + rejected; line numbers of rejects are 1-based and
// increasing; and the outcome (counts, reject lines and reasons, kept dossier positions)
// is the same for two different chunk sizes (SPEC §3.2: independent of chunking).
import Foundation

struct Outcome: Equatable {
    var records = 0, accepted = 0, rejected = 0
    var rejects: [String] = []
    var ids: [String] = []
    var corrupt: Int? = nil
}

func runFile(csv: Bool, maxLine: Int, chunkBytes: Int, delimiter: UInt8) -> Outcome {
    let spec = InputSpec(format: csv ? .csv : .dvcqgNdjson, patterns: ["f"], delimiter: delimiter)
    let contexts = InputContexts(files: [InputFile(relativePath: "f", absolutePath: fuzzScratchPath, spec: spec)])
    let pool = ChunkPool(chunkCapacity: FileChunker.chunkCapacity(maxLineBytes: maxLine, targetBytes: chunkBytes), limit: 8)
    let reducer = ChunkReducer(fileCount: 1, dates: DateTimeParser(), maxLineBytes: maxLine, parsers: [DateTimeParser()], contexts: contexts)
    var chunker = FileChunker(fileIndex: 0, maxLineBytes: maxLine, targetBytes: chunkBytes, pool: pool, isCancelled: { false })
    if csv {
        chunker.framing = RecordFraming(mode: .csv(delimiter: delimiter))
        chunker.onHeader = { h in contexts.setLayout(CSVLayout(header: h, delimiter: delimiter, overrides: [:], file: "f"), file: 0) }
    }
    var o = Outcome()
    do {
        let reader = try InputReader(path: fuzzScratchPath, inflater: .zlib)
        let result = try chunker.run(reader) { c in
            fuzzCheck(c.count <= c.capacity, "chunk overfilled")
            reducer.reduce(c)
            pool.give(c)
        }
        o.corrupt = result.corrupt?.offset
    } catch let c as CorruptInput {
        o.corrupt = c.offset
    } catch {
        fuzzCheck(false, "unexpected error \(error)")
    }
    let p = reducer.partial
    o.records = p.files[0].records
    o.accepted = p.files[0].accepted
    o.rejected = p.files[0].rejected
    fuzzCheck(o.records == o.accepted + o.rejected, "records \(o.records) != accepted \(o.accepted) + rejected \(o.rejected)")
    fuzzCheck(p.rejects.count == o.rejected, "reject entries \(p.rejects.count) != rejected \(o.rejected)")
    // File line numbers as the runner computes them.
    var before: [Int32: Int] = [:]
    var running = 0
    for c in p.chunkLines.sorted(by: { $0.chunk < $1.chunk }) {
        before[c.chunk] = running
        running += Int(c.lines)
    }
    var lastLine = 0
    for r in p.rejects.sorted(by: { $0.position < $1.position }) {
        let line = (before[r.position.chunk] ?? 0) + Int(r.position.line)
        fuzzCheck(line >= 1 && line > lastLine, "reject line \(line) after \(lastLine)")
        fuzzCheck(r.excerpt.count <= 200, "excerpt longer than 200 bytes")
        lastLine = line
        o.rejects.append("\(line):\(r.reason.text)")
    }
    for i in 0..<p.ids.count {
        let pos = p.states[i].position
        o.ids.append(p.ids.key(i) + "@\((before[pos.chunk] ?? 0) + Int(pos.line))")
    }
    o.ids.sort()
    return o
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunker(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size >= 3 else { return 0 }
    let flags = data![0], maxLine = 16 + Int(data![1]) * 4
    let csv = flags & 1 == 1
    let delimiter: UInt8 = flags & 2 == 0 ? 0x2C : 0x3B
    writeScratch(data! + 2, size - 2)
    let small = runFile(csv: csv, maxLine: maxLine, chunkBytes: 1 + Int(flags >> 2), delimiter: delimiter)
    let large = runFile(csv: csv, maxLine: maxLine, chunkBytes: 1 << 16, delimiter: delimiter)
    fuzzCheck(small.records == large.records && small.accepted == large.accepted && small.rejected == large.rejected,
              "counts depend on chunk size: \(small.records)/\(small.accepted)/\(small.rejected) vs \(large.records)/\(large.accepted)/\(large.rejected)")
    fuzzCheck(small.rejects == large.rejects, "rejects depend on chunk size:\n\(small.rejects)\nvs\n\(large.rejects)")
    fuzzCheck(small.ids == large.ids, "kept dossiers (latest version per id) depend on chunk size")
    fuzzCheck(small.corrupt == large.corrupt, "corruption verdict depends on chunk size")
    return 0
}
