// `xl/sharedStrings.xml`: the workbook's table of distinct cell texts, kept as one byte blob
// and offsets (a sheet of unique dossier codes has as many strings as rows, so no String
// objects). Rich text runs are joined; phonetic runs (`rPh`) are not part of the text.

package final class SharedStrings: XMLEventHandler {
    // Exclusivity unchecked at run time (called for every string): one thread fills the
    // table, then it is only read.
    @exclusivity(unchecked) private var bytes: [UInt8] = []
    /// End of string i in `bytes` (its start is the end of string i − 1).
    @exclusivity(unchecked) private var ends: [Int] = []
    @exclusivity(unchecked) private var inText = false
    @exclusivity(unchecked) private var phoneticDepth = 0

    package init() {}

    package var count: Int { ends.count }

    /// String `index` as bytes, or nil when the index is outside the table.
    package func withString<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard index >= 0, index < ends.count else { return nil }
        let start = index == 0 ? 0 : ends[index - 1]
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<ends[index]])) }
    }

    package func start(_ name: XMLName, _ attributes: XMLAttributes) {
        if name.is("t") { inText = phoneticDepth == 0 } else if name.is("rPh") { phoneticDepth += 1 }
    }

    package func end(_ name: XMLName) {
        if name.is("t") {
            inText = false
        } else if name.is("rPh") {
            phoneticDepth -= 1
        } else if name.is("si") {
            ends.append(bytes.count)
        }
    }

    package func text(_ text: UnsafeBufferPointer<UInt8>) {
        if inText { bytes.append(contentsOf: text) }
    }
}
