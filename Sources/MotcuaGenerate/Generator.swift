// `motcua generate` end to end (SPEC §7.1): grows the province, writes the catalogs, then
// simulates day by day — new dossiers per unit (Poisson, by tier weight, working day, weekday
// and month), each with its whole life computed at once and its lines put in the buckets of
// the days it changes — and hands each day's bucket to a worker that sorts, renders and
// compresses that day's file. Only pending lines are held, never rendered records. Every
// random draw comes from a seeded stream (catalogs, simulation, one per day), so the files do
// not depend on the thread count: same seed → same bytes.
import MotcuaFoundation
import Dispatch
import Foundation

public enum GenerateFormat: String, CaseIterable, Sendable {
    case ndjson = "dvcqg-ndjson"
    case csv
}

public struct GenerateOptions: Sendable {
    public var outDir: String
    public var units = 15
    public var days = 42
    public var dossiersPerDay = 64
    public var seed: UInt64 = 1
    /// First export day (a day number; see `GenerateOptions.day(_:)`).
    public var start = GenCalendar.day(2024, 2, 19)
    public var format = GenerateFormat.ndjson
    public var gzip = true
    public var level = 6
    public var threads = 1

    public init(outDir: String) { self.outDir = outDir }

    /// `yyyy-MM-dd` as a day number, nil when it is no date.
    public static func day(_ text: String) -> Int? { GenCalendar.parse(text) }

    func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw MotcuaError(.usage, message) } }
        try check((4...5000).contains(units), "--units must be between 4 and 5000")
        try check((1...3660).contains(days), "--days must be between 1 and 3660")
        try check((1...1_000_000).contains(dossiersPerDay), "--dossiers-per-day must be between 1 and 1000000")
        try check((1...9).contains(level), "--level must be between 1 and 9")
        try check((1...256).contains(threads), "--threads must be between 1 and 256")
        let (y, _, _) = GenCalendar.civil(start), (y2, _, _) = GenCalendar.civil(start + days - 1)
        try check(y >= 2001 && y2 <= 2099, "--start and --days must stay within 2001–2099")
    }
}

public struct GenerateReport: Sendable {
    public var files = 0
    public var gzipMembers = 0
    public var records = 0
    public var badRecords = 0
    public var dossiers = 0          // dossiers with at least one line in the files
    public var units = 0             // in units.csv
    public var procedureRows = 0     // in procedures.csv
    public var bytes = 0             // uncompressed
    public var compressedBytes = 0   // on disk
    public var seconds = 0.0
}

public enum Generator {
    static let warmUpDays = 42
    static let badRate = 0.0015
    static let truncatedFileRate = 0.03
    static let monthFactor = [1.0, 0.9, 1.08, 1.0, 1.02, 1.05, 1.0, 0.98, 0.98, 1.03, 1.05, 1.12]
    static let weekdayFactor = [1.15, 1.0, 1.0, 1.0, 0.9, 0.133, 0.133]   // weekends: online only arrive
    static let holidayFactor = 0.133

    public static func run(_ o: GenerateOptions, progress: ((Int, Int) -> Void)? = nil) throws -> GenerateReport {
        try o.validate()
        let clock = DispatchTime.now()
        let fm = FileManager.default
        let catalogs = (o.outDir as NSString).appendingPathComponent("catalogs")
        let exports = (o.outDir as NSString).appendingPathComponent("exports")
        for dir in [catalogs, exports] {
            do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw MotcuaError(.cantCreate, "cannot create \(dir): \(error.localizedDescription)")
            }
        }
        // A smaller set must not leave older days behind.
        for name in (try? fm.contentsOfDirectory(atPath: exports)) ?? [] where name.hasPrefix("hoso-")
            && [".ndjson", ".ndjson.gz", ".csv", ".csv.gz"].contains(where: { name.hasSuffix($0) }) {
            try? fm.removeItem(atPath: (exports as NSString).appendingPathComponent(name))
        }

        var treeRng = GenRandom(seed: o.seed, stream: 1)
        let province = Province(units: o.units, rng: &treeRng)
        var report = GenerateReport()
        for (name, text) in [("units.csv", province.unitsCSV()), ("procedures.csv", province.proceduresCSV())] {
            let path = (catalogs as NSString).appendingPathComponent(name)
            guard fm.createFile(atPath: path, contents: Data(text.utf8)) else { throw MotcuaError(.io, "cannot write \(path)") }
        }
        report.units = province.units.filter(\.inCatalog).count
        report.procedureRows = province.catalogRows.count

        let simStart = o.start - warmUpDays, end = o.start + o.days - 1
        let calendar = WorkCalendar(from: simStart - 7, through: end + 120)
        var life = Lifecycle(rng: GenRandom(seed: o.seed, stream: 2), calendar: calendar, province: province)
        var buckets = [[LineEntry]](repeating: [], count: end - simStart + 1)
        let totalWeight = province.units.reduce(0) { $0 + $1.weight }
        let base = province.units.map { Double(o.dossiersPerDay) * $0.weight / totalWeight }
        let communes = province.units.indices.filter { province.units[$0].tier == "xa" }
        var seq = [Int32](repeating: 0, count: province.units.count)

        func schedule(_ info: DossierInfo, _ events: [(time: Int64, state: EventState)]) {
            var i = 0, any = false
            while i < events.count {
                let day = Int(events[i].time / 86400)
                var j = i
                while j + 1 < events.count && Int(events[j + 1].time / 86400) == day { j += 1 }
                if day >= o.start && day <= end {
                    // the end-of-day state; sometimes also the one before (two syncs that day)
                    if j > i && life.rng.chance(0.12) {
                        buckets[day - simStart].append(LineEntry(time: events[j - 1].time, event: UInt8(j - 1), info: info, state: events[j - 1].state))
                    }
                    buckets[day - simStart].append(LineEntry(time: events[j].time, event: UInt8(j), info: info, state: events[j].state))
                    any = true
                }
                i = j + 1
            }
            if any { report.dossiers += 1 }
        }

        let jobs = JobTracker()
        let slots = DispatchSemaphore(value: o.threads)
        let group = DispatchGroup()
        for day in simStart...end {
            seq = [Int32](repeating: 0, count: seq.count)
            let (_, month, dom) = GenCalendar.civil(day)
            let workday = calendar.isWorkday(day)
            if day >= o.start && dom == 1 {
                // The portal's night auto-reception writes ISO UTC dates: received after midnight
                // on the 1st, the written date is still the previous month's last day.
                for _ in 0..<2 {
                    let u = communes[life.rng.below(communes.count)]
                    let t = Int64(day) * 86400 + Int64(life.rng.int(5 * 60, 6 * 3600 + 30 * 60))
                    if let (info, events) = life.newDossier(unit: u, day: day, workday: workday,
                                                            seqNo: { seq[u] += 1; return seq[u] }, forced: t) {
                        schedule(info, events)
                    }
                }
            }
            let factor = (workday ? weekdayFactor[GenCalendar.weekday(day)] : holidayFactor) * monthFactor[month - 1]
            for u in province.units.indices {
                let n = life.rng.poisson(base[u] * factor)
                for _ in 0..<n {
                    if let (info, events) = life.newDossier(unit: u, day: day, workday: workday,
                                                            seqNo: { seq[u] += 1; return seq[u] }) {
                        schedule(info, events)
                    }
                }
            }
            guard day >= o.start else { continue }
            let entries = buckets[day - simStart]
            buckets[day - simStart] = []
            slots.wait()
            if jobs.failed { slots.signal(); break }
            group.enter()
            let job = DayJob(day: day, index: day - o.start, entries: entries)
            DispatchQueue.global().async {
                defer { slots.signal(); group.leave() }
                do { jobs.add(try job.write(province: province, options: o, exports: exports)) } catch { jobs.fail(error) }
            }
            progress?(day - o.start + 1, o.days)
        }
        group.wait()
        if let e = jobs.error { throw e }
        let t = jobs.totals
        report.files = t.files
        report.gzipMembers = t.members
        report.records = t.records
        report.badRecords = t.bad
        report.bytes = t.bytesIn
        report.compressedBytes = t.bytesOut
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - clock.uptimeNanoseconds) / 1e9
        return report
    }
}

/// Totals and the first failure of the day workers.
// Unchecked: every stored var is read and written only while holding `lock`.
private final class JobTracker: @unchecked Sendable {
    struct Totals { var files = 0, members = 0, records = 0, bad = 0, bytesIn = 0, bytesOut = 0 }
    private let lock = NSLock()
    private var _totals = Totals()
    private var _error: Error?

    var totals: Totals { lock.lock(); defer { lock.unlock() }; return _totals }
    var error: Error? { lock.lock(); defer { lock.unlock() }; return _error }
    var failed: Bool { error != nil }

    func add(_ t: Totals) {
        lock.lock(); defer { lock.unlock() }
        _totals.files += t.files; _totals.members += t.members; _totals.records += t.records
        _totals.bad += t.bad; _totals.bytesIn += t.bytesIn; _totals.bytesOut += t.bytesOut
    }

    func fail(_ e: Error) { lock.lock(); defer { lock.unlock() }; if _error == nil { _error = e } }
}

/// One day's export file: its lines sorted (time, MaHoSo, change), rendered and written.
private struct DayJob: Sendable {
    let day: Int
    let index: Int
    var entries: [LineEntry]

    static let ndjsonBad: [BadKind] = [.status11, .statusText, .statusZero, .idAbsent, .idEmpty,
                                       .endedBeforeReceived, .endedBeforeReceived, .badDate]
    static let csvBad: [BadKind] = [.status11, .statusText, .statusZero, .idEmpty, .endedBeforeReceived, .badDate, .extraCell]

    static func seqLess(_ a: Int32, _ b: Int32) -> Bool {
        if a < 10000 && b < 10000 { return a < b }
        return String(a).utf8.lexicographicallyPrecedes(String(b).utf8)   // as the ids compare (%04d)
    }

    static func eligible(_ e: LineEntry) -> Bool {
        e.state.status != 1 && e.state.status != 3 && e.state.received != noTime
    }

    func write(province: Province, options o: GenerateOptions, exports: String) throws -> JobTracker.Totals {
        let rank = province.unitRank
        var lines = entries
        lines.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.info.unit != b.info.unit { return rank[Int(a.info.unit)] < rank[Int(b.info.unit)] }
            let da = a.info.submitted / 86400, db = b.info.submitted / 86400
            if da != db { return da < db }
            if a.info.seqNo != b.info.seqNo { return DayJob.seqLess(a.info.seqNo, b.info.seqNo) }
            return a.event < b.event
        }
        let csv = o.format == .csv
        let name = "hoso-\(GenCalendar.text(day))" + (csv ? ".csv" : ".ndjson") + (o.gzip ? ".gz" : "")
        let writer = try ExportFileWriter(path: (exports as NSString).appendingPathComponent(name), gzip: o.gzip, level: o.level)
        let sink = ByteSink(capacity: 1 << 21)
        var rng = GenRandom(seed: o.seed, stream: 0x1_0000_0000 + UInt64(index))
        var renderer = RecordRenderer(province: province, rng: GenRandom(seed: o.seed, stream: 0x2_0000_0000 + UInt64(index)),
                                      ascii: !csv && index % 9 == 4, booleanStyle: (index / 3) % 3, sink: sink)
        let truncateLast = !lines.isEmpty && rng.chance(Generator.truncatedFileRate)
        let split = o.gzip && GenCalendar.civil(day).d == 15 && lines.count >= 2 ? lines.count / 2 : -1
        var totals = JobTracker.Totals()
        func flush() throws {
            if sink.count > 0 { try writer.write(sink.base, sink.count); sink.count = 0 }
        }
        if csv {
            if index % 3 == 0 { sink.bytes([0xEF, 0xBB, 0xBF]) }
            RecordRenderer.csvHeader(into: sink)
        }
        for (i, e) in lines.enumerated() {
            if i == split { try flush(); try writer.endMember() }
            let last = i == lines.count - 1
            var bad: BadKind? = nil
            if !(last && truncateLast) && DayJob.eligible(e) && rng.chance(Generator.badRate) {
                bad = rng.pick(csv ? DayJob.csvBad : DayJob.ndjsonBad)
                totals.bad += 1
            }
            let start = sink.count
            if csv { renderer.csv(e, row: i + 1, bad: bad) } else { renderer.json(e, bad: bad) }
            if last && truncateLast {
                // cut at 3/5, on a character boundary, without a line end
                var cut = (sink.count - start) * 3 / 5
                while cut > 0 && sink.base[start + cut] & 0xC0 == 0x80 { cut -= 1 }
                sink.truncate(start + cut)
                totals.bad += 1
            } else if csv {
                sink.text("\r\n")
            } else {
                sink.byte(0x0A)
            }
            if sink.count >= 1 << 20 { try flush() }
        }
        try flush()
        try writer.finish()
        totals.files = 1
        totals.members = writer.members
        totals.records = lines.count
        totals.bytesIn = writer.bytesIn
        totals.bytesOut = writer.bytesOut
        return totals
    }
}
