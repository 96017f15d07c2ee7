// What a worker needs to know about each input file: its format, and for CSV its delimiter
// and compiled header, which the reader publishes before sending the file's first rows.
import Foundation

final class InputContexts: @unchecked Sendable {
    let formats: [InputFormat]
    let delimiters: [UInt8]
    private var layouts: [CSVLayout?]
    private let lock = NSLock()

    init(files: [InputFile]) {
        formats = files.map(\.spec.format)
        delimiters = files.map(\.spec.delimiter)
        layouts = [CSVLayout?](repeating: nil, count: files.count)
    }

    func setLayout(_ layout: CSVLayout, file: Int) {
        lock.lock()
        layouts[file] = layout
        lock.unlock()
    }

    func layout(file: Int) -> CSVLayout? {
        lock.lock()
        defer { lock.unlock() }
        return layouts[file]
    }

    /// Header warnings of every CSV file, in input order.
    var warnings: [String] {
        lock.lock()
        defer { lock.unlock() }
        return layouts.compactMap { $0?.warnings }.flatMap { $0 }
    }
}
