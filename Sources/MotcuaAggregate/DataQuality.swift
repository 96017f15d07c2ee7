// The data-quality list (issue 15; the vendors' "hồ sơ gây lỗi thống kê"): per unit and check,
// how many dossiers are valid by the SPEC but suspicious, with up to five example MaHoSo
// (bytewise smallest), plus the rejected records that name a unit. Dossiers are those after
// latest-wins — all of them, whatever the periods. The checks and their Vietnamese names are
// one table (`DataQualityCheck`); docs/GUIDE.md lists them. Slices of the dossier table are
// checked side by side and their tallies merged (sums and minima), so the rows do not depend
// on threads; the versions' checks read aggregates the reduction kept (`DossierState`).
import MotcuaFoundation
import MotcuaReading

/// One data-quality check: a stable code (the `check` column) and its Vietnamese name.
public enum DataQualityCheck: Int, CaseIterable, Sendable {
    case doneWithoutReturnedAt, dueBeforeReceived, endedOrReturnedAfterAsOf, overdueOverAYear,
         unitDiffersFromDossierId, procedureNotInCatalog, statusWentBack, receivedAtChanged, rejects

    public var code: String {
        switch self {
        case .doneWithoutReturnedAt: return "done_without_returned_at"
        case .dueBeforeReceived: return "due_before_received"
        case .endedOrReturnedAfterAsOf: return "ended_or_returned_after_as_of"
        case .overdueOverAYear: return "overdue_over_365_days"
        case .unitDiffersFromDossierId: return "unit_differs_from_dossier_id"
        case .procedureNotInCatalog: return "procedure_not_in_catalog"
        case .statusWentBack: return "status_went_back"
        case .receivedAtChanged: return "received_at_changed"
        case .rejects: return "rejects"
        }
    }

    public var name: String {
        switch self {
        case .doneWithoutReturnedAt: return "Đã trả kết quả nhưng không có ngày trả"
        case .dueBeforeReceived: return "Ngày hẹn trả trước ngày tiếp nhận"
        case .endedOrReturnedAfterAsOf: return "Ngày kết thúc xử lý hoặc ngày trả sau ngày chốt số liệu"
        case .overdueOverAYear: return "Chưa giải quyết xong và quá hạn hơn 365 ngày"
        case .unitDiffersFromDossierId: return "Mã đơn vị khác đơn vị trong mã hồ sơ"
        case .procedureNotInCatalog: return "Mã TTHC không có trong danh mục thủ tục"
        case .statusWentBack: return "Trạng thái lùi lại so với lần đồng bộ trước"
        case .receivedAtChanged: return "Ngày tiếp nhận bị thay đổi giữa các lần đồng bộ"
        case .rejects: return "Bản ghi bị loại (không hợp lệ)"
        }
    }

    var bit: UInt16 { 1 << UInt16(rawValue) }
}

/// One row of data-quality.csv / .json (and of the report's data-quality section).
public struct DataQualityRow: Sendable, Equatable {
    public var unitCode: String
    /// From units.csv; empty for a unit it does not list.
    public var unitName: String
    /// `DataQualityCheck.code`.
    public var check: String
    /// `DataQualityCheck.name`, in Vietnamese.
    public var checkName: String
    public var count: Int
    /// At most five MaHoSo, bytewise ascending.
    public var examples: [String]

    public init(unitCode: String, unitName: String, check: String, checkName: String, count: Int, examples: [String]) {
        (self.unitCode, self.unitName, self.check, self.checkName) = (unitCode, unitName, check, checkName)
        (self.count, self.examples) = (count, examples)
    }
}

public enum DataQuality {
    /// A pending dossier past its due date by more than this many days is listed.
    public static let overdueDays: Int32 = 365

    /// What a dossier's checks need besides the dossier.
    struct CheckContext {
        var rules: RuleSet
        /// `--as-of`, or the run's day in the pipeline's timezone: no date may lie after it.
        var referenceDay: Int32
        /// The day "pending more than a year past due" is counted to: the reference day, but
        /// never after the last reported period's end (a report on 2024 asks about 2024, not
        /// about the day it was run), as the staleness warning does.
        var overdueDay: Int32
    }

    /// The dossier checks that `d` fails, as bits of `DataQualityCheck` (the rejects aside).
    /// `unitCode`: its unit's code bytes; `procedureUnknown`: its MaTTHC is absent from the
    /// procedure catalog (false without a catalog or without a MaTTHC).
    static func failed(_ d: DossierState, id: UnsafeBufferPointer<UInt8>, unitCode: [UInt8], procedureUnknown: Bool,
                       _ r: CheckContext) -> UInt16 {
        var bits: UInt16 = 0
        let ref = r.referenceDay
        if d.status == 10 && d.returned == noDay { bits |= DataQualityCheck.doneWithoutReturnedAt.bit }
        if d.due != noDay && d.received != noDay && d.due < d.received { bits |= DataQualityCheck.dueBeforeReceived.bit }
        // noDay is Int32.min: an absent date is never after the reference day.
        if d.ended > ref || d.returned > ref { bits |= DataQualityCheck.endedOrReturnedAfterAsOf.bit }
        let endedByRef = r.rules.isTerminal(d.status) && d.ended != noDay && d.ended <= r.overdueDay
        if !d.notReceived && !endedByRef && d.due != noDay && Int64(r.overdueDay) - Int64(d.due) > Int64(overdueDays) {
            bits |= DataQualityCheck.overdueOverAYear.bit
        }
        let prefix = unitFromDossierId(ByteText(base: id.baseAddress, count: id.count))
        if let p = prefix.base, !UnsafeBufferPointer(start: p, count: prefix.count).elementsEqual(unitCode) {
            bits |= DataQualityCheck.unitDiffersFromDossierId.bit
        }
        if procedureUnknown { bits |= DataQualityCheck.procedureNotInCatalog.bit }
        if d.wentBack { bits |= DataQualityCheck.statusWentBack.bit }
        if d.receivedChanged { bits |= DataQualityCheck.receivedAtChanged.bit }
        return bits
    }

    /// The rows, sorted by (unit_code, check) bytewise; only (unit, check) pairs with a count.
    /// `reportUnits` limits them as every output (`report_units`): a unit of a rejected record
    /// that no dossier has and units.csv does not list is then left out.
    public static func rows(_ merged: PartialResult, units model: UnitModel, catalogs: Catalogs, rules: RuleSet,
                            referenceDay: Int32, periodsEnd: Int32? = nil, reportUnits: [String]?,
                            threads: Int = 1) -> [DataQualityRow] {
        let unitCodes = (0..<merged.units.count).map { merged.units.string(Int32($0)) }
        let unitOfId = unitCodes.map { model.indexByCode[$0] ?? -1 }
        let codeBytes = unitCodes.map { Array($0.utf8) }
        var procedureUnknown = [Bool](repeating: false, count: merged.procedures.count)
        if catalogs.hasProcedureCatalog {
            let known = Set(catalogs.procedures.map(\.procedure))
            for i in procedureUnknown.indices { procedureUnknown[i] = !known.contains(merged.procedures.string(Int32(i))) }
        }
        let checks = DataQualityCheck.allCases.count
        let r = CheckContext(rules: rules, referenceDay: referenceDay, overdueDay: min(referenceDay, periodsEnd ?? referenceDay))
        merged.flushWaiting()
        // Per slice: tallies by unit index × checks + check, only where something failed.
        let slices = SideBySide.slices(PartialResult.partitionCount, threads: threads) { partitions in
            var tallies: [Int: ExampleIds] = [:]
            merged.forEachDossier(partitions: partitions) { d, id in
                let bits = failed(d, id: id, unitCode: codeBytes[Int(d.unit)],
                                  procedureUnknown: d.procedure >= 0 && procedureUnknown[Int(d.procedure)], r)
                let unit = unitOfId[Int(d.unit)]
                guard bits != 0, unit >= 0 else { return }
                for c in DataQualityCheck.allCases where bits & c.bit != 0 {
                    tallies[unit * checks + c.rawValue, default: ExampleIds()].note(id)
                }
            }
            return tallies
        }
        var byKey: [String: [DataQualityCheck: ExampleIds]] = [:]
        let reported = model.subtrees(of: reportUnits)
        for slice in slices {
            for (key, tally) in slice {
                let code = model.units[key / checks].code
                byKey[code, default: [:]][DataQualityCheck(rawValue: key % checks)!, default: ExampleIds()].merge(tally)
            }
        }
        for (unit, tally) in merged.rejectsByUnit {
            byKey[unitCodes[Int(unit)], default: [:]][.rejects, default: ExampleIds()].merge(tally)
        }
        var rows: [DataQualityRow] = []
        for (code, tallies) in byKey {
            let index = model.indexByCode[code]
            if reportUnits != nil && !(index.map { reported[$0] } ?? false) { continue }
            for (check, tally) in tallies {
                rows.append(DataQualityRow(unitCode: code, unitName: index.map { model.units[$0].name } ?? "",
                                           check: check.code, checkName: check.name, count: tally.count,
                                           examples: tally.ids.map { String(decoding: $0, as: UTF8.self) }))
            }
        }
        return rows.sorted { a, b in
            a.unitCode != b.unitCode ? bytewiseLess(a.unitCode, b.unitCode) : bytewiseLess(a.check, b.check)
        }
    }
}
