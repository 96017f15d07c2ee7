// libFuzzer target: one input file end to end through the reader thread's and a worker's
// code (InputReader → FileChunker → ChunkReducer), NDJSON or CSV, with a small line limit.
// As the reader does (ParallelReduce.readFile), every chunk is stamped with the file's layout
// from its format (`InputFormats`): made up front for a format without a header row, compiled
// from the `.header` chunk's row for CSV. Properties: records = accepted + rejected; line
// numbers of rejects are 1-based and increasing; and the outcome (counts, reject lines and
// reasons, kept dossiers with their record's line, header warnings, corruption offset) is the
// same for two different chunk sizes (SPEC §3.2: independent of chunking).
import Foundation

struct Outcome: Equatable {
    var records = 0, accepted = 0, rejected = 0
    var rejects: [String] = []
    var kept: [String] = []
    var warnings: [String] = []
    var corrupt: Int? = nil
}

func runFile(csv: Bool, maxLine: Int, chunkBytes: Int, delimiter: UInt8) -> Outcome {
    let spec = InputSpec(format: csv ? .csv : .dvcqgNdjson, patterns: ["f"], delimiter: delimiter)
    let format = InputFormats.format(of: spec)
    let dates = DateTimeParser()
    func layout(_ header: UnsafeBufferPointer<UInt8>?) -> any FileLayout {
        format.layout(for: "f", header: header, dates: dates, maxLineBytes: maxLine)
    }
    var current: (any FileLayout)? = format.hasHeaderRow ? nil : layout(nil)
    var headers = 0
    let pool = ChunkPool(chunkCapacity: FileChunker.chunkCapacity(maxLineBytes: maxLine, targetBytes: chunkBytes), limit: 8)
    let reducer = ChunkReducer(fileCount: 1)
    var chunker = FileChunker(fileIndex: 0, framing: format.framing, headerRow: format.hasHeaderRow, maxLineBytes: maxLine,
                              targetBytes: chunkBytes, pool: pool, isCancelled: { false })
    var o = Outcome()
    do {
        let reader = try InputReader(path: fuzzScratchPath, inflater: .zlib)
        let result = try chunker.run(reader) { c in
            fuzzCheck(c.count <= c.capacity, "chunk overfilled")
            if c.kind == .header {
                fuzzCheck(format.hasHeaderRow, "a header chunk for a format without a header row")
                headers += 1
                fuzzCheck(headers == 1, "a second header chunk")
                current = layout(c.headerRow)
            }
            if c.kind == .records { fuzzCheck(current != nil, "a records chunk before the header row") }
            c.context = current
            reducer.reduce(c)
            pool.give(c)
        }
        o.corrupt = result.corrupt?.offset
    } catch let c as CorruptInput {
        o.corrupt = c.offset
    } catch {
        fuzzCheck(false, "unexpected error \(error)")
    }
    o.warnings = current?.warnings ?? []
    let p = reducer.partial
    o.records = p.files[0].records
    o.accepted = p.files[0].accepted
    o.rejected = p.files[0].rejected
    fuzzCheck(o.records == o.accepted + o.rejected, "records \(o.records) != accepted \(o.accepted) + rejected \(o.rejected)")
    fuzzCheck(p.rejectCount == o.rejected, "reject entries \(p.rejectCount) != rejected \(o.rejected)")
    // File line numbers as the runner computes them.
    var before: [Int32: Int] = [:]
    var running = 0
    for c in p.chunkLines.sorted(by: { $0.chunk < $1.chunk }) {
        fuzzCheck(before[c.chunk] == nil, "chunk \(c.chunk) counted twice")
        before[c.chunk] = running
        running += Int(c.lines)
    }
    func fileLine(_ pos: RecordPosition) -> Int {
        fuzzCheck(before[pos.chunk] != nil, "a record in chunk \(pos.chunk), which has no line count")
        return (before[pos.chunk] ?? 0) + Int(pos.line)
    }
    var lastLine = 0
    var merge = RejectMerge(p.rejectLogs)
    while let r = merge.next() {
        let line = fileLine(r.position)
        fuzzCheck(line >= 1 && line > lastLine, "reject line \(line) after \(lastLine)")
        fuzzCheck(line <= running, "reject line \(line) beyond the file's \(running) lines")
        fuzzCheck(r.excerpt.count <= 200, "excerpt longer than 200 bytes")
        lastLine = line
        o.rejects.append("\(line):\(r.reason.text)")
    }
    // A kept dossier is named by the line of its latest record (the id is that record's) and
    // what was kept of it.
    p.forEachState { s in
        let line = fileLine(s.position)
        fuzzCheck(line >= 1 && line <= running, "kept record line \(line) outside the file's \(running) lines")
        o.kept.append("\(line):\(s.unit >= 0 ? p.units.string(s.unit) : "-"):\(s.status):\(s.received):\(s.ended)")
    }
    o.kept.sort()
    fuzzCheck(o.kept.count == p.dossierCount, "kept \(o.kept.count) states of \(p.dossierCount) dossiers")
    fuzzCheck(o.kept.count <= o.accepted, "more dossiers than accepted records")
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
    fuzzCheck(small.kept == large.kept, "kept dossiers (latest version per id) depend on chunk size:\n\(small.kept)\nvs\n\(large.kept)")
    fuzzCheck(small.warnings == large.warnings, "header warnings depend on chunk size: \(small.warnings) vs \(large.warnings)")
    fuzzCheck(small.corrupt == large.corrupt, "corruption verdict depends on chunk size")
    return 0
}
