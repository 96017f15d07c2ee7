// SPEC §5.1–§5.2: each in-scope dossier adds to the counters of every period at once.
// A dossier's status in a period only changes at a few dates (received, ended, due), so
// carried_over and pending are added as ranges of periods with difference arrays: the cost
// per dossier does not grow with the number of periods.
import MotcuaFoundation
import MotcuaReading
import CByteKernels

/// The counters kept per group and period; the derived ones of §5.2 are sums of these.
enum BaseCounter: Int, CaseIterable {
    case newOnline, newDirect, newPostal, carriedOver, early, onTime, late, withdrawn,
         pendingWithin, pendingOverdue, returnedTotal, returnedPostal, feeBearing, paidOnline,
         digitized, eResult
    static let count = 16
    /// Counters added over ranges of periods (difference arrays until `finish`).
    static let ranged: [BaseCounter] = [.carriedOver, .pendingWithin, .pendingOverdue]
}

/// The columns of counters.csv, in SPEC §7.3 order.
public let counterColumns = [
    "new_online", "new_direct", "new_postal", "new_offline", "carried_over", "received_total",
    "resolved_total", "resolved_early", "resolved_on_time", "resolved_late", "withdrawn",
    "pending_total", "pending_within", "pending_overdue", "returned_total", "returned_postal",
    "fee_bearing", "paid_online", "digitized", "e_result",
]

/// Maps local days to the index of the period holding them: a table by day when the periods
/// span at most ~2,900 years (always, in practice; built from the binary search it replaces).
struct PeriodIndex {
    let periods: [Period]
    private let first: Int32
    private let last: Int32
    private let byDay: [Int32]

    init(periods: [Period]) {
        self.periods = periods
        first = periods.first?.from ?? 0
        last = periods.last?.to ?? -1
        let (first, last) = (self.first, self.last)
        byDay = !periods.isEmpty && Int(last) - Int(first) < 1 << 20
            ? (first...last).map { Int32(PeriodIndex.search($0, in: periods)) } : []
    }

    /// k with from_k ≤ day ≤ to_k; -1 before the first period; `periods.count` after the last.
    /// Periods are contiguous and sorted.
    @inline(__always)
    func locate(_ day: Int32) -> Int {
        if day < first { return -1 }
        if day > last { return periods.count }
        if !byDay.isEmpty { return Int(byDay[Int(day - first)]) }
        return PeriodIndex.search(day, in: periods)
    }

    private static func search(_ day: Int32, in periods: [Period]) -> Int {
        var lo = 0, hi = periods.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if periods[mid].from <= day { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}

/// Counter arrays per group, `(periods + 1) × 16` each (the extra row absorbs range ends), end
/// to end in one array: a dossier's add touches its group's rows and no array header of its own.
/// 32-bit, so that a row is 64 bytes and the groups of a big catalog stay in cache: a value is
/// at most the dossiers added to the table (`Rollup` refuses more than `Int32.max` of them).
struct CounterTable {
    let index: PeriodIndex
    let rules: RuleSet
    package private(set) var counters: [Int32] = []
    private(set) var groupCount = 0
    let groupWidth: Int
    var stride: Int { BaseCounter.count }

    init(periods: [Period], rules: RuleSet) {
        index = PeriodIndex(periods: periods)
        self.rules = rules
        groupWidth = (periods.count + 1) * BaseCounter.count
    }

    mutating func addGroup() -> Int {
        counters.append(contentsOf: repeatElement(0, count: groupWidth))
        groupCount += 1
        return groupCount - 1
    }

    /// Group `g`'s counters.
    func group(_ g: Int) -> ArraySlice<Int32> { counters[g * groupWidth ..< (g + 1) * groupWidth] }

    /// Starts loading the rows `add(d, group: g)` writes first: the received and the end
    /// periods' and the next ones (where the carried-over and pending ranges start and end).
    @inline(__always)
    func prefetch(_ d: DossierState, group g: Int) {
        let count = index.periods.count
        let kr = index.locate(d.received)
        guard kr < count else { return }
        let ke = rules.isTerminal(d.status) && d.ended != noDay ? min(index.locate(d.ended), count) : count
        counters.withUnsafeBufferPointer { c in
            let base = c.baseAddress! + g * groupWidth
            @inline(__always) func row(_ k: Int) { if k <= count { motcua_prefetch(base + k * BaseCounter.count) } }
            row(max(kr, 0))
            row(max(kr, -1) + 1)
            row(max(ke, 0))
            row(max(ke, -1) + 1)
        }
    }

    /// Adds one in-scope dossier (status not 1/3, received date present) to `group`; `sign`
    /// -1 takes it out again (a memo's old version, `RollupMemo`).
    mutating func add(_ d: DossierState, group g: Int, sign: Int32 = 1) {
        let periodCount = index.periods.count
        guard periodCount > 0 else { return }
        let last = periodCount - 1
        let recv = d.received
        let kr = index.locate(recv)
        guard kr <= last else { return }   // received after every period
        let terminal = rules.isTerminal(d.status) && d.ended != noDay
        let end: Int32 = terminal ? d.ended : Int32.max
        let ke = terminal ? index.locate(end) : periodCount
        // What the periods decide is read before the counters are written: the closure below
        // then holds no array but theirs (one that did cost a retain and a release a dossier).
        let carriedFirst = kr < 0 ? 0 : kr + 1
        let carriedLast = ke < 0 ? -1 : min(ke, last)
        let pendingFirst = max(kr, 0)
        let pendingLast = ke < 0 ? -1 : (ke > last ? last : ke - 1)
        // Overdue from the first period whose `to` is after the due date; nil when never overdue.
        var overdueFrom: Int?
        let alwaysWithin = rules == .tt01 && (d.status == 5 || d.status == 6 || d.status == 8)
        if pendingFirst <= pendingLast && !alwaysWithin && d.due != noDay {
            let kd = index.locate(d.due)
            overdueFrom = kd < 0 ? 0 : kd > last ? last + 1 : index.periods[kd].to > d.due ? kd : kd + 1
        }
        // Returned in the period holding the return date, once received by its end.
        var returnedIn = -1
        if d.returned != noDay {
            let kt = index.locate(d.returned)
            if kt >= 0 && kt <= last && recv <= index.periods[kt].to { returnedIn = kt }
        }

        let base = g * groupWidth
        counters.withUnsafeMutableBufferPointer { c in
            @inline(__always) func bump(_ k: Int, _ counter: BaseCounter, _ v: Int32) {
                c[base + k * BaseCounter.count + counter.rawValue] &+= v
            }
            @inline(__always) func bump(_ k: Int, _ counter: BaseCounter) { bump(k, counter, sign) }
            @inline(__always) func range(_ a: Int, _ b: Int, _ counter: BaseCounter) {
                guard a <= b else { return }
                bump(a, counter, sign)
                bump(b + 1, counter, -sign)
            }
            // New in the period that holds the received date.
            if kr >= 0 {
                switch d.channel {
                case 2: bump(kr, .newOnline)
                case 3: bump(kr, .newPostal)
                default: bump(kr, .newDirect)
                }
                if d.feeBearing {
                    bump(kr, .feeBearing)
                    if d.paidOnline == 1 || d.paidOnline == 2 { bump(kr, .paidOnline) }
                }
                if d.digitized { bump(kr, .digitized) }
            }
            // Carried over: from_k > recv and from_k ≤ end.
            range(carriedFirst, carriedLast, .carriedOver)
            // Pending: to_k ≥ recv and to_k < end.
            if let split = overdueFrom {
                range(pendingFirst, min(pendingLast, split - 1), .pendingWithin)
                range(max(pendingFirst, split), pendingLast, .pendingOverdue)
            } else {
                range(pendingFirst, pendingLast, .pendingWithin)   // empty when first > last
            }
            // Resolved in the period that holds the end date.
            if terminal && ke >= 0 && ke <= last {
                if rules == .tt01 && d.status == 7 {
                    bump(ke, .onTime)
                } else if d.due == noDay || end == d.due {
                    bump(ke, .onTime)
                } else {
                    bump(ke, end < d.due ? .early : .late)
                }
                if d.status == 7 { bump(ke, .withdrawn) }
                if d.eResult { bump(ke, .eResult) }
            }
            if returnedIn >= 0 {
                bump(returnedIn, .returnedTotal)
                if d.returnChannel == 1 { bump(returnedIn, .returnedPostal) }
            }
        }
    }

    /// Turns the difference arrays into per-period values, and clears the extra row (the
    /// ranges' ends past the last period), so that tables add up as values.
    mutating func finish() {
        let n = index.periods.count
        counters.withUnsafeMutableBufferPointer { c in
            for g in 0..<groupCount {
                for counter in BaseCounter.ranged {
                    var run: Int32 = 0
                    for k in 0..<n {
                        let at = g * groupWidth + k * BaseCounter.count + counter.rawValue
                        run += c[at]
                        c[at] = run
                    }
                }
                let extra = g * groupWidth + n * BaseCounter.count
                for i in extra ..< extra + BaseCounter.count { c[i] = 0 }
            }
        }
    }
}

/// The 20 published counters of one row from the 16 kept ones.
func publishedCounters(_ c: UnsafeBufferPointer<Int64>, period k: Int) -> [Int64] {
    let b = k * BaseCounter.count
    func v(_ x: BaseCounter) -> Int64 { c[b + x.rawValue] }
    let offline = v(.newDirect) + v(.newPostal)
    let resolved = v(.early) + v(.onTime) + v(.late)
    let pending = v(.pendingWithin) + v(.pendingOverdue)
    return [
        v(.newOnline), v(.newDirect), v(.newPostal), offline, v(.carriedOver),
        v(.newOnline) + offline + v(.carriedOver), resolved, v(.early), v(.onTime), v(.late),
        v(.withdrawn), pending, v(.pendingWithin), v(.pendingOverdue), v(.returnedTotal),
        v(.returnedPostal), v(.feeBearing), v(.paidOnline), v(.digitized), v(.eResult),
    ]
}
