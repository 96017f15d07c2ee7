// What one input file is and how it is to be read (SPEC §2, §6 `inputs`): shared by the
// reader, the loader that resolves inputs and the outputs that report on them.
import Foundation

/// An input format's name in pipelines; the formats themselves are in the registry
/// (`InputFormats`), each defining its own name.
public struct InputFormat: RawRepresentable, Hashable, Sendable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
}

/// `on_corrupt_input` (SPEC §3.5): what a damaged gzip file does to the run.
public enum CorruptPolicy: String, Sendable, CaseIterable { case fail, skip, salvage }

/// One `inputs[i]` entry of a pipeline.
public struct InputSpec: Sendable {
    public var format: InputFormat
    public var patterns: [String]
    public var delimiter: UInt8 = UInt8(ascii: ",")
    public var dateForm: DateTimeForm?
    public var columns: [String: String] = [:]
    /// `labels`: label text as written → code, per kind, added to or overriding the built-in
    /// labels (SPEC §2.3); checked by the loader (codes in the kind's list, no empty label).
    public var labels: [LabelKind: [String: Int]] = [:]
    /// Workbooks: the sheet to read (nil: the first visible one) and the 1-based row of the
    /// header (nil: found by its column names, below any title rows).
    public var sheet: String?
    public var headerRow: Int?

    public init(format: InputFormat, patterns: [String], delimiter: UInt8 = UInt8(ascii: ","),
                dateForm: DateTimeForm? = nil, columns: [String: String] = [:], labels: [LabelKind: [String: Int]] = [:],
                sheet: String? = nil, headerRow: Int? = nil) {
        self.format = format
        self.patterns = patterns
        self.delimiter = delimiter
        self.dateForm = dateForm
        self.columns = columns
        self.labels = labels
        self.sheet = sheet
        self.headerRow = headerRow
    }
}

/// The code fields whose spreadsheet cells may hold labels (SPEC §2.3), by their key in a
/// pipeline's `labels:`; `boolean` covers digitized, fee_bearing and e_result.
public enum LabelKind: String, CaseIterable, Sendable {
    case status, channel, returnChannel = "return_channel", boolean

    /// The codes a label of this kind may stand for (booleans: 0 false, 1 true).
    public var codes: ClosedRange<Int> {
        switch self {
        case .status: return 1...10
        case .channel: return 1...3
        case .returnChannel, .boolean: return 0...1
        }
    }
}

/// The date-time forms of SPEC §2.4; an input may pin one (`date_format`).
public enum DateTimeForm: String, CaseIterable, Sendable {
    case compact = "yyyyMMddHHmmss"
    case compactDate = "yyyyMMdd"
    case iso = "yyyy-MM-dd'T'HH:mm:ss[.fraction][Z|±hh:mm]"
    case isoSpace = "yyyy-MM-dd HH:mm:ss"
    case isoDate = "yyyy-MM-dd"
    case vnDateTime = "dd/MM/yyyy HH:mm:ss"
    case vnDateMinutes = "dd/MM/yyyy HH:mm"
    case vnDate = "dd/MM/yyyy"

    /// Accepts the spellings a user is likely to write in `date_format`.
    public init?(pattern: String) {
        if let f = DateTimeForm(rawValue: pattern) { self = f; return }
        switch pattern {
        case "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssXXX",
             "yyyy-MM-dd'T'HH:mm:ss[.fraction]", "iso8601", "ISO8601":
            self = .iso
        default: return nil
        }
    }
}

/// One matched input file: where it is, as reported (relative) and as opened, and its input's settings.
public struct InputFile: Sendable {
    public var relativePath: String
    public var absolutePath: String
    public var spec: InputSpec

    public init(relativePath: String, absolutePath: String, spec: InputSpec) {
        (self.relativePath, self.absolutePath, self.spec) = (relativePath, absolutePath, spec)
    }

    /// Bytes on disk (compressed for gzip), nil when the file cannot be stat'ed (opening it
    /// later reports why).
    package var sizeOnDisk: Int? {
        var st = stat()
        return stat(absolutePath, &st) == 0 ? Int(st.st_size) : nil
    }
}
