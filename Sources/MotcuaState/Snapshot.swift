// A generation's data: the dossiers' latest versions in `part-NN.bin` (hash partitions of the
// dossier id), the rejects in `rejects-G.bin` segments, and `ledger.bin`. Saving walks a
// run's merged partial result; loading fills a fresh one, which the run then merges the new
// files' partial into — the same merge the threads of one run use, so a state run and a full
// run reach the same dossiers by construction.
//
// A dossier on disk (56 bytes + its id): position (ledger id, chunk, line), unit, procedure,
// sector (ids into ledger.bin's code tables), received, due, ended, returned, receivedMin,
// receivedMax (days), status, channel, returnChannel, paidOnline, flags, highestStage, id
// length (u16), id bytes.
import MotcuaFoundation
import MotcuaReading
import Foundation
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

enum Snapshot {
    static let fixedBytes = 56

    static func partitionName(_ p: Int) -> String { "part-\(p < 10 ? "0" : "")\(p).bin" }

    /// Writes every dossier of `merged` into `dir`'s partition files, on up to `threads`
    /// threads; positions' file indices become ledger ids through `ledgerIds`. Returns the
    /// dossiers written.
    /// `only`: write that partition alone (a cluster's reduce task holds no other).
    static func saveDossiers(_ merged: PartialResult, ledgerIds: [Int32], to dir: String, only: Int? = nil, sync: Bool = true,
                             threads: Int) throws -> Int {
        merged.flushWaiting()
        let memoryParts = PartialResult.partitionCount
        let perMemory = StateFormat.partitionCount / memoryParts
        let results = SideBySide.slices(memoryParts, threads: threads, minimum: 1) { range -> Result<Int, Error> in
            var written = 0
            for m in range where only.map({ $0 / perMemory == m }) ?? true {
                var buffers = [StateWriter](repeating: StateWriter(), count: perMemory)
                var counts = [Int](repeating: 0, count: perMemory)
                merged.forEachDossier(partitions: m..<m + 1) { s, id in
                    let p = StateFormat.partition(ofHash: hashBytes(id.baseAddress!, id.count)) - m * perMemory
                    encode(s, id: id, file: ledgerIds[Int(s.position.file)], into: &buffers[p])
                    counts[p] += 1
                }
                for k in 0..<perMemory where only.map({ $0 == m * perMemory + k }) ?? true {
                    var w = StateWriter()
                    w.int(counts[k])
                    w.bytes.append(contentsOf: buffers[k].bytes)
                    do { try StateFiles.write("\(dir)/\(partitionName(m * perMemory + k))", .partition, w, sync: sync) } catch { return .failure(error) }
                    written += counts[k]
                }
            }
            return .success(written)
        }
        return try results.reduce(0) { $0 + (try $1.get()) }
    }

    private static func encode(_ s: DossierState, id: UnsafeBufferPointer<UInt8>, file: Int32, into w: inout StateWriter) {
        for v in [file, s.position.chunk, s.position.line, s.unit, s.procedure, s.sector, s.received, s.due, s.ended, s.returned,
                  s.receivedMin, s.receivedMax] {
            w.i32(v)
        }
        for v in [s.status, s.channel, s.returnChannel, s.paidOnline, s.flags, s.highestStage] { w.u8(v) }
        w.u16(UInt16(id.count))
        w.bytes.append(contentsOf: id)
    }

    /// Reads every partition of `dir` into `partial` (fresh, its code tables already holding
    /// the ledger's), file positions through `fileMap` (ledger id → input index).
    /// `only`: that partition alone.
    static func loadDossiers(_ dir: String, into partial: PartialResult, fileMap: [Int32], codes: (units: Int32, procedures: Int32, sectors: Int32),
                             only: Int? = nil, threads: Int) throws -> Int {
        let memoryParts = PartialResult.partitionCount
        let perMemory = StateFormat.partitionCount / memoryParts
        let results = SideBySide.slices(memoryParts, threads: threads, minimum: 1) { range -> Result<Int, Error> in
            var loaded = 0
            do {
                for m in range where only.map({ $0 / perMemory == m }) ?? true {
                    for k in 0..<perMemory where only.map({ $0 == m * perMemory + k }) ?? true {
                        let p = m * perMemory + k
                        var r = try StateFiles.read("\(dir)/\(partitionName(p))", .partition)
                        let n = try r.count(unit: fixedBytes)
                        try r.bytes.withUnsafeBytes { raw in
                            var at = r.at
                            for _ in 0..<n {
                                guard at + fixedBytes <= raw.count else { throw r.damaged("ends inside a dossier") }
                                func i32(_ k: Int) -> Int32 { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 4 * k, as: Int32.self)) }
                                func u8(_ k: Int) -> UInt8 { raw[at + 48 + k] }
                                let idCount = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at + 54, as: UInt16.self)))
                                guard at + fixedBytes + idCount <= raw.count else { throw r.damaged("ends inside a dossier") }
                                let file = i32(0)
                                guard file >= 0, Int(file) < fileMap.count, i32(3) < codes.units, i32(4) < codes.procedures, i32(5) < codes.sectors
                                else { throw r.damaged("names a file or code the ledger does not have") }
                                var s = DossierState(position: RecordPosition(file: fileMap[Int(file)], chunk: i32(1), line: i32(2)),
                                                     unit: i32(3), procedure: i32(4), sector: i32(5), received: i32(6), due: i32(7),
                                                     ended: i32(8), returned: i32(9), status: u8(0), channel: u8(1), returnChannel: u8(2),
                                                     paidOnline: u8(3), flags: u8(4))
                                s.receivedMin = i32(10)
                                s.receivedMax = i32(11)
                                s.highestStage = u8(5)
                                let id = (raw.baseAddress! + at + fixedBytes).assumingMemoryBound(to: UInt8.self)
                                let hash = hashBytes(id, idCount)
                                guard StateFormat.partition(ofHash: hash) == p else { throw r.damaged("holds a dossier of another partition") }
                                partial.insertLoaded(id, idCount, hash: hash, s)
                                at += fixedBytes + idCount
                            }
                            guard at == raw.count else { throw r.damaged("has bytes past its last dossier") }
                        }
                        loaded += n
                    }
                }
            } catch {
                return .failure(error)
            }
            return .success(loaded)
        }
        return try results.reduce(0) { $0 + (try $1.get()) }
    }

    /// Writes the rejects of `logs` (this run's new files) as one segment; positions' file
    /// indices become ledger ids. Returns the segment, nil when there were none.
    static func saveRejects(_ logs: [RejectLog], ledgerIds: [Int32], name: String, to dir: String, sync: Bool = true) throws -> RejectSegment? {
        var merge = RejectMerge(logs)
        var w = StateWriter()
        var count = 0
        var byReason: [UInt16: Int] = [:]
        while let e = merge.next() {
            var p = e.position
            p.file = ledgerIds[Int(p.file)]
            e.excerpt.withUnsafeBufferPointer { RejectLog.encode(p, e.reason, $0, value: e.value, into: &w.bytes) }
            count += 1
            byReason[e.reason.code, default: 0] += 1
        }
        for log in logs { if let failure = log.failure { throw MotcuaError(.io, failure) } }
        guard count > 0 else { return nil }
        try StateFiles.write("\(dir)/\(name)", .rejects, w, sync: sync)
        return RejectSegment(name: name, count: count, byReason: byReason.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// A saved segment as a reject log of `partial`'s run.
    static func loadRejects(_ segment: RejectSegment, in dir: String, fileMap: [Int32]) throws -> RejectLog {
        let fd = try StateFiles.openChecked("\(dir)/\(segment.name)", .rejects)
        var byReason: [RejectReason: Int] = [:]
        for (code, n) in segment.byReason {
            guard let reason = RejectReason(savedCode: code) else {
                close(fd)
                throw StateFiles.damaged("\(dir)/ledger.bin", "names an unknown reject reason (\(code))")
            }
            byReason[reason, default: 0] += n
        }
        return RejectLog(savedEntries: fd, at: StateFormat.headerBytes, count: segment.count, byReason: byReason, fileMap: fileMap)
    }
}
