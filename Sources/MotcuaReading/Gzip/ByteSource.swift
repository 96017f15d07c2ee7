// Where a file's text comes from before it is framed into records: the file itself, plain or
// gzip (`InputReader`), or a format's own reader (an Excel sheet's rows written as CSV lines,
// `SheetTextSource`). The chunker reads any of them the same way.
import MotcuaFoundation
import MotcuaWorkbook

package protocol ByteSource: AnyObject {
    /// The next text into `out`; 0 at the end. Damage is thrown as `CorruptInput`.
    func read(into out: UnsafeMutableRawBufferPointer) throws -> Int
    /// Size of the file on disk.
    var compressedBytes: Int { get }
    /// How far into the file on disk the text read so far reaches (for progress).
    var compressedOffset: Int { get }
    var isGzip: Bool { get }
    /// Gzip members that ended with a valid trailer (0 for anything else).
    var membersCompleted: Int { get }
    /// What the source noticed about the file, for summary.json (after the last read).
    var warnings: [String] { get }
}

extension InputReader: ByteSource {
    package var warnings: [String] { [] }

    /// Refuses a file that is not text: a workbook or zip archive, or a legacy .xls, given to
    /// a text format would otherwise be read as lines of binary and rejected row by row.
    /// `name` is the file as messages name it (the input's relative path).
    package func requireText(name: String) throws {
        guard !isGzip, let message = FileSignature.notTextMessage(head, path: name) else { return }
        throw MotcuaError(.data, message)
    }
}
