// The input-format seam (SPEC §2.2, §2.3): what a run needs to know of a format — how its
// bytes are framed into records, whether a header row comes first, and how one record is
// decoded into the canonical fields — and the one registry the reader, the workers, the
// inspector, the loader and the micro benchmarks look formats up in.
//
// Adding a format: one file with a `RecordFormat` (see NDJSONFormat.swift, CSVFormat.swift)
// and its `InputFormat` name, plus one line in `InputFormats.all`.
import MotcuaFoundation
import Foundation

/// A format as configured for one input (`inputs[i]` of a pipeline).
package protocol RecordFormat: Sendable {
    /// The name pipelines use (`format:`).
    static var name: InputFormat { get }
    /// The keys of an `inputs[i]` entry it reads besides `format` and `paths`; others are config errors.
    static var settingKeys: Set<String> { get }
    /// Made from the input's settings (delimiter, columns …: what the format reads of them).
    init(spec: InputSpec)
    /// Where records end in this format's bytes.
    var framing: FramingRule { get }
    /// True when the first non-blank line is a header row, handed to `layout(for:header:…)`.
    var hasHeaderRow: Bool { get }
    /// What every record of one file is decoded with; made once per file on the reading
    /// thread (after its header row, if any) and carried to the workers on each chunk.
    /// `header` is nil when the file has no header row or it was over the line limit.
    func layout(for file: String, header: UnsafeBufferPointer<UInt8>?, dates: DateTimeParser, maxLineBytes: Int) -> any FileLayout
    /// For `motcua inspect`: the settings this format would read `firstLine` (the first
    /// non-blank line of a file) with, or nil when the line is not in this format.
    static func sniff(_ firstLine: ArraySlice<UInt8>) -> InputSpec?
    /// The text of the file at `path` (named `name` in messages) as the chunker frames it.
    func openSource(path: String, name: String, inflater: InflaterKind) throws -> any ByteSource
}

extension RecordFormat {
    /// Text formats read the file itself, plain or gzip — and refuse one that is not text.
    package func openSource(path: String, name: String, inflater: InflaterKind) throws -> any ByteSource {
        let reader = try InputReader(path: path, inflater: inflater)
        try reader.requireText(name: name)
        return reader
    }
}

/// One file's compiled decoding settings: immutable, shared read-only by every worker.
package protocol FileLayout: ChunkContext {
    /// Problems with the file's header row (SPEC §2.3), reported once in summary.json.
    var warnings: [String] { get }
    /// Column names for `motcua inspect` (header order), empty when the format has no header.
    var columnNames: [String] { get }
    /// A decoder for one worker (decoders keep scratch space and are not shared).
    func makeDecoder() -> any RecordDecoding
}

/// Where one record lies in a chunk.
package struct RecordSpan {
    /// Index after the record's terminator (or the end of the chunk).
    package var next = 0
    /// Bytes of the record without its terminator; 0 for a blank line (not a record).
    package var byteCount = 0
    /// LFs consumed, the terminator included.
    package var lineFeeds = 0
    package init() {}
}

/// Decodes records of one file, one after the other; not shared between threads.
package protocol RecordDecoding: AnyObject {
    /// Decodes the record starting at base[from] (the chunk ends at `to`) into `out`: finds its
    /// end (`span`) and runs the SPEC §3.3 checks; nil when it is kept. A blank line gives
    /// `span.byteCount == 0` and nil.
    func decode(_ base: UnsafePointer<UInt8>, from: Int, to: Int, span: inout RecordSpan,
                into out: inout DecodedRecord) -> RejectReason?
    /// For `motcua inspect`: the fields of the record last decoded, each with whether it holds
    /// a value (not null, not ""), in the record's order.
    func visitFields(_ visit: (String, Bool) -> Void)
    /// The text of `field` in the record last decoded, as decoded (JSON: a string unescaped,
    /// another value as written; CSV: the trimmed cell); valid until the next `decode`. Asked
    /// only for an `invalid_value` reject, so accepted records pay nothing for it.
    func invalidValue(_ field: DossierField) -> ByteText
}

extension RecordDecoding {
    /// The offending value of a reject, for an `invalid_value` reason; nil for the others.
    @inline(__always)
    package func rejectedValue(_ reason: RejectReason) -> ByteText? {
        if case .invalid(let f) = reason { return invalidValue(f) }
        return nil
    }
}

/// The registry of input formats.
package enum InputFormats {
    /// Every format, in the order `inspect` tries them on an unknown file.
    package static let all: [any RecordFormat.Type] = [XLSXFormat.self, NDJSONFormat.self, CSVFormat.self]

    package static func type(named name: InputFormat) -> (any RecordFormat.Type)? {
        all.first { $0.name == name }
    }

    /// The format of one input, as configured. The name was checked when the pipeline was loaded.
    package static func format(of spec: InputSpec) -> any RecordFormat {
        guard let type = type(named: spec.format) else { preconditionFailure("unknown input format \(spec.format.rawValue)") }
        return type.init(spec: spec)
    }

    /// Names for messages and help: `xlsx, dvcqg-ndjson, csv`.
    package static var names: [String] { all.map { $0.name.rawValue } }
}

/// One file read in its input format: its chunker, and the layout each chunk carries to the
/// workers — compiled at the start, or from the header row when the format has one. The run's
/// reader, `inspect` and the micro benchmarks all read files through this.
package struct FormattedFile {
    package let format: any RecordFormat
    private let path: String
    private let dates: DateTimeParser
    private let maxLineBytes: Int
    /// The layout chunks are stamped with now (nil before a header row has been read).
    package private(set) var layout: (any FileLayout)?

    /// `path` names the file in header warnings.
    package init(_ spec: InputSpec, path: String, dates: DateTimeParser, maxLineBytes: Int) {
        format = InputFormats.format(of: spec)
        self.path = path
        self.dates = dates
        self.maxLineBytes = maxLineBytes
        if !format.hasHeaderRow { layout = format.layout(for: path, header: nil, dates: dates, maxLineBytes: maxLineBytes) }
    }

    /// The file's text (`absolutePath` is opened; messages name the file by its input path).
    package func open(_ absolutePath: String, inflater: InflaterKind = .preferred) throws -> any ByteSource {
        try format.openSource(path: absolutePath, name: path, inflater: inflater)
    }

    package func chunker(fileIndex: Int, targetBytes: Int, pool: ChunkPool, isCancelled: @escaping () -> Bool) -> FileChunker {
        FileChunker(fileIndex: fileIndex, framing: format.framing, headerRow: format.hasHeaderRow, maxLineBytes: maxLineBytes,
                    targetBytes: targetBytes, pool: pool, isCancelled: isCancelled)
    }

    /// Sets the chunk's layout (compiling it first when the chunk is the header row).
    package mutating func stamp(_ chunk: Chunk) {
        if chunk.kind == .header {
            layout = format.layout(for: path, header: chunk.headerRow, dates: dates, maxLineBytes: maxLineBytes)
        }
        chunk.context = layout
    }
}
