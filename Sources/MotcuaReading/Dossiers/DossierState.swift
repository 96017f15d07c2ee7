// The reduced state of one dossier (its latest valid record, SPEC §3.2): fixed-size, with
// codes interned to ids, and the record's position in the input order.
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
    public var status: UInt8
    public var channel: UInt8
    public var returnChannel: UInt8
    public var paidOnline: UInt8
    public var flags: UInt8

    package init(position: RecordPosition, unit: Int32, procedure: Int32, sector: Int32, received: Int32, due: Int32,
                 ended: Int32, returned: Int32, status: UInt8, channel: UInt8, returnChannel: UInt8, paidOnline: UInt8,
                 flags: UInt8) {
        self.position = position
        (self.unit, self.procedure, self.sector) = (unit, procedure, sector)
        (self.received, self.due, self.ended, self.returned) = (received, due, ended, returned)
        (self.status, self.channel, self.returnChannel, self.paidOnline, self.flags) = (status, channel, returnChannel, paidOnline, flags)
    }

    public static let digitizedFlag: UInt8 = 1
    public static let feeBearingFlag: UInt8 = 2
    public static let eResultFlag: UInt8 = 4

    public var digitized: Bool { flags & DossierState.digitizedFlag != 0 }
    public var feeBearing: Bool { flags & DossierState.feeBearingFlag != 0 }
    public var eResult: Bool { flags & DossierState.eResultFlag != 0 }
    /// Status 1 or 3: never received, out of scope (SPEC §3.1).
    public var notReceived: Bool { status == 1 || status == 3 }
}
