// The reduced state of one dossier (its latest valid record, SPEC §3.2): fixed-size, with
// codes interned to ids, and the record's position in the input order — plus what its
// accepted versions had in common (the highest lifecycle stage reached, the earliest and
// latest NgayTiepNhan), folded commutatively so that reduction and merge in any order agree.
import MotcuaFoundation

public struct RecordPosition: Comparable, Sendable {
    public var file: Int32
    public var chunk: Int32
    public var line: Int32   // 1-based within the chunk

    package init(file: Int32, chunk: Int32, line: Int32) {
        (self.file, self.chunk, self.line) = (file, chunk, line)
    }

    public static func < (a: RecordPosition, b: RecordPosition) -> Bool {
        (a.file, a.chunk, a.line) < (b.file, b.chunk, b.line)
    }
}

public struct DossierState {
    public var position: RecordPosition
    public var unit: Int32
    public var procedure: Int32      // -1 when absent
    public var sector: Int32         // -1 when absent (the catalog may supply one)
    public var received: Int32
    public var due: Int32
    public var ended: Int32
    public var returned: Int32
    /// Over every accepted version folded in so far (the latest one included): the earliest
    /// and the latest NgayTiepNhan day of the versions that have one (`Int32.max` and `noDay`
    /// when none has), and the highest `lifecycleStage` of their statuses.
    public var receivedMin: Int32
    public var receivedMax: Int32
    public var status: UInt8
    public var channel: UInt8
    public var returnChannel: UInt8
    public var paidOnline: UInt8
    public var flags: UInt8
    public var highestStage: UInt8

    package init(position: RecordPosition, unit: Int32, procedure: Int32, sector: Int32, received: Int32, due: Int32,
                 ended: Int32, returned: Int32, status: UInt8, channel: UInt8, returnChannel: UInt8, paidOnline: UInt8,
                 flags: UInt8) {
        self.position = position
        (self.unit, self.procedure, self.sector) = (unit, procedure, sector)
        (self.received, self.due, self.ended, self.returned) = (received, due, ended, returned)
        (self.status, self.channel, self.returnChannel, self.paidOnline, self.flags) = (status, channel, returnChannel, paidOnline, flags)
        (receivedMin, receivedMax) = (received == noDay ? Int32.max : received, received)
        highestStage = DossierState.lifecycleStage(status)
    }

    /// Folds another accepted version of the same dossier in: the later one by input position
    /// becomes the dossier (SPEC §3.2), and the aggregates over versions take both — min, max
    /// and max, so any order and grouping of folds gives the same state.
    @inline(__always)
    public mutating func absorb(_ other: DossierState) {
        let stage = max(highestStage, other.highestStage)
        let (lo, hi) = (min(receivedMin, other.receivedMin), max(receivedMax, other.receivedMax))
        if position < other.position { self = other }
        (highestStage, receivedMin, receivedMax) = (stage, lo, hi)
    }

    /// Where a status stands in a dossier's life, for "went back" (issue 15, data quality).
    /// 1 registered (1); 2 being handled (2, 4, 5, 6, 8 — supplements, payment and a stop come
    /// and go, and tt01 counts a stopped dossier as pending); 3 ended without the result
    /// handed over (3 refused at intake, 7 withdrawn, 9 resolved); 4 result returned (10).
    /// Stages 3 and 4 are terminal here; moves inside one stage are not a step back.
    @inline(__always)
    public static func lifecycleStage(_ status: UInt8) -> UInt8 {
        switch status {
        case 1: return 1
        case 3, 7, 9: return 3
        case 10: return 4
        case 0: return 0
        default: return 2
        }
    }

    /// The latest version's stage is below one an earlier version reached (done → processing).
    public var wentBack: Bool { DossierState.lifecycleStage(status) < highestStage }
    /// Versions with a NgayTiepNhan do not all have the same day.
    public var receivedChanged: Bool { receivedMin != Int32.max && receivedMin != receivedMax }

    public static let digitizedFlag: UInt8 = 1
    public static let feeBearingFlag: UInt8 = 2
    public static let eResultFlag: UInt8 = 4

    public var digitized: Bool { flags & DossierState.digitizedFlag != 0 }
    public var feeBearing: Bool { flags & DossierState.feeBearingFlag != 0 }
    public var eResult: Bool { flags & DossierState.eResultFlag != 0 }
    /// Status 1 or 3: never received, out of scope (SPEC §3.1).
    public var notReceived: Bool { status == 1 || status == 3 }
}
