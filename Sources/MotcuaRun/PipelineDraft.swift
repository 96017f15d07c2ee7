// `motcua init FILE...`: a first pipeline for a new vendor's exports, drafted from the files
// themselves — their format (delimiter, sheet, header row), the columns that hold each field
// (the default headers, or a known vendor variant, with or without diacritics), the one date
// form every date cell is written in, the labels no built-in list maps (to be given codes),
// the period the data covers — and the catalogs left for the user to give. Every guess is
// said in a comment; `motcua validate` accepts the draft once the catalogs exist.
import MotcuaFoundation
import MotcuaReading
import MotcuaAggregate
import MotcuaPipeline
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum PipelineDraft {
    /// One drafted input: the files of one format and folder, and what was found in them.
    struct Input {
        var spec: InputSpec
        var files: [String]
        var reports: [InspectReport] = []
        var notes: [String] = []
        var unmappedLabels: [(field: String, value: String, count: Int)] = []
    }

    /// The draft pipeline's text. `files` are paths as given; `pipelinePath` is where the draft
    /// will be written (paths in it are relative to its folder).
    public static func draft(files: [String], pipelinePath: String, name: String) throws -> String {
        let dir = URL(fileURLWithPath: pipelinePath).deletingLastPathComponent().standardizedFileURL.path
        var inputs: [Input] = []
        var forms: [[DateTimeForm?]] = []
        for file in files.sorted() {
            var spec = try Inspector.sniffFormat(file)
            let first = try Inspector.inspect(path: file, spec: spec, census: true)
            if let c = first.corrupt {
                throw MotcuaError(.data, "\(file): corrupt input at compressed byte offset \(c.offset): \(c.reason); init drafts from whole files")
            }
            if spec.format == .xlsx {
                spec.sheet = first.sheet
                if let row = first.headerRow, row != 1 { spec.headerRow = row }
            }
            var notes: [String] = []
            var form: DateTimeForm?
            if spec.format != InputFormat(rawValue: "dvcqg-ndjson") {
                let headers = first.fields.map(\.name)
                (spec.columns, notes) = mapColumns(headers)
                let (found, dateNote) = dateForm(first, headers: headers, columns: spec.columns)
                form = found
                if let dateNote { notes.append(dateNote) }
            }
            // Files of one folder read alike make one input; their date form is pinned below
            // only when every one of them uses it.
            let folder = (file as NSString).deletingLastPathComponent
            if let i = inputs.firstIndex(where: { same($0.spec, spec) && ($0.files[0] as NSString).deletingLastPathComponent == folder }) {
                inputs[i].files.append(file)
                inputs[i].notes += notes.filter { !inputs[i].notes.contains($0) }
                forms[i].append(form)
            } else {
                inputs.append(Input(spec: spec, files: [file], notes: notes))
                forms.append([form])
            }
        }
        for i in inputs.indices {
            if let f = forms[i].first!, forms[i].allSatisfy({ $0 == f }) {
                inputs[i].spec.dateForm = f
            } else if forms[i].contains(where: { $0 != nil }) {
                inputs[i].notes.append("the files use different date forms: date_format is left out, so every form is tried")
            }
        }
        // Read again as drafted: the period covered, and the labels left to map.
        var minDay: String?, maxDay: String?
        for i in inputs.indices {
            for file in inputs[i].files {
                let r = try Inspector.inspect(path: file, spec: inputs[i].spec, census: true)
                inputs[i].reports.append(r)
                // Rows rejected as drafted (a label not yet mapped) still tell the period.
                for day in receivedDays(r, spec: inputs[i].spec) + [r.receivedFrom, r.receivedTo].compactMap({ $0 }) {
                    if minDay == nil || day < minDay! { minDay = day }
                    if maxDay == nil || day > maxDay! { maxDay = day }
                }
                inputs[i].unmappedLabels += unmapped(r, columns: inputs[i].spec.columns)
            }
            inputs[i].unmappedLabels = merged(inputs[i].unmappedLabels)
        }
        return render(inputs, dir: dir, name: name, from: minDay, to: maxDay)
    }

    static func same(_ a: InputSpec, _ b: InputSpec) -> Bool {
        a.format == b.format && a.delimiter == b.delimiter && a.columns == b.columns && a.sheet == b.sheet
            && a.headerRow == b.headerRow
    }

    // MARK: columns

    /// Header names vendors use for each field, besides the default ones (compared without
    /// diacritics, case or extra spaces).
    static let headerVariants: [String: [String]] = [
        "dossier_id": ["Số hồ sơ", "Mã HS", "Mã số hồ sơ", "Số biên nhận", "Mã biên nhận"],
        "unit_code": ["Mã cơ quan", "Mã định danh", "Mã đơn vị xử lý", "Mã cơ quan xử lý", "Mã ĐVHC"],
        "procedure_code": ["Mã thủ tục", "Mã thủ tục hành chính", "Mã TT"],
        "sector_code": ["Mã LV"],
        "channel": ["Kênh nộp", "Hình thức nộp", "Hình thức tiếp nhận", "Kênh tiếp nhận", "Kênh"],
        "service_level": ["Mức độ DVC", "Mức độ dịch vụ công", "Mức DVC"],
        "status": ["Tình trạng", "Trạng thái hồ sơ", "Tình trạng xử lý", "Tình trạng hồ sơ"],
        "received_at": ["Ngày nhận", "Ngày nhận hồ sơ", "Thời gian tiếp nhận", "Ngày tiếp nhận hồ sơ"],
        "due_at": ["Hạn xử lý", "Ngày hẹn trả kết quả", "Hạn giải quyết", "Hạn trả", "Ngày hẹn"],
        "ended_at": ["Ngày hoàn thành", "Ngày xử lý xong", "Ngày có kết quả", "Ngày kết thúc"],
        "returned_at": ["Ngày trả", "Ngày trả KQ", "Ngày trả kết quả cho công dân"],
        "return_channel": ["Hình thức nhận kết quả", "Nhận kết quả qua", "Hình thức trả KQ"],
        "paid_online": ["Thanh toán online", "Đã thanh toán trực tuyến", "Thanh toán TT"],
        "digitized": ["Đã số hóa", "Số hóa hồ sơ", "Số hóa thành phần hồ sơ"],
        "fee_bearing": ["Có lệ phí", "Phí, lệ phí", "Có phí, lệ phí"],
        "e_result": ["Kết quả điện tử", "Có KQ điện tử", "Trả kết quả điện tử"],
    ]

    /// Fields in the order of SPEC §2.3's table; the required ones need a column.
    static let fields = ["dossier_id", "unit_code", "procedure_code", "sector_code", "channel", "service_level", "status",
                         "received_at", "due_at", "ended_at", "returned_at", "return_channel", "paid_online", "digitized",
                         "fee_bearing", "e_result"]
    static let required: Set<String> = ["dossier_id", "status", "received_at"]

    /// `columns:` overrides for the fields whose default header is absent but a variant is there.
    static func mapColumns(_ headers: [String]) -> (columns: [String: String], notes: [String]) {
        let exact = Set(headers.map(exactKey))
        var columns: [String: String] = [:], notes: [String] = []
        var taken = Set<String>()
        for field in fields {
            let defaults = CSVLayout.defaultHeaders[field] ?? []
            if defaults.contains(where: { exact.contains(exactKey($0)) }) { continue }
            let wanted = Set((defaults + (headerVariants[field] ?? [])).map(looseKey))
            if let h = headers.first(where: { wanted.contains(looseKey($0)) && !taken.contains($0) }) {
                columns[field] = h
                taken.insert(h)
            } else if required.contains(field) || field == "ended_at" {
                notes.append("no column found for \(field) (default header '\(defaults.first ?? field)'): add `\(field): \"<header>\"` under columns")
            }
        }
        return (columns, notes)
    }

    /// The column that holds `field`: its `columns:` header, or a default one.
    static func column(of field: String, headers: [String], columns: [String: String]) -> Int? {
        let wanted = columns[field].map { [$0] } ?? CSVLayout.defaultHeaders[field] ?? []
        return headers.firstIndex { h in wanted.contains { exactKey($0) == exactKey(h) } }
    }

    /// How the loader compares headers (NFC, trimmed, case-folded), spaces folded.
    static func exactKey(_ s: String) -> String { CSVLayout.headerKey(s) }

    /// Without diacritics too: older exports write "Ma ho so".
    static func looseKey(_ s: String) -> String {
        exactKey(s).replacingOccurrences(of: "đ", with: "d").folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
    }

    // MARK: dates

    static let dateFields = ["received_at", "due_at", "ended_at", "returned_at"]

    /// The one §2.4 form every date cell matches (pinning it makes a stray value a reject
    /// instead of a guess), or nil with a note when the cells use several forms.
    static func dateForm(_ r: InspectReport, headers: [String], columns: [String: String]) -> (DateTimeForm?, String?) {
        guard let values = r.values else { return (nil, nil) }
        var seen: [String] = []
        for field in dateFields {
            guard let c = column(of: field, headers: headers, columns: columns), c < values.count else { continue }
            seen += values[c].keys.filter { !$0.isEmpty }
        }
        guard !seen.isEmpty else { return (nil, nil) }
        let parser = DateTimeParser()
        func matches(_ form: DateTimeForm) -> Int {
            seen.filter { v in Array(v.utf8).withUnsafeBufferPointer { parser.parse($0.baseAddress!, $0.count, form) != nil } }.count
        }
        let counts = DateTimeForm.allCases.map { ($0, matches($0)) }
        if let all = counts.first(where: { $0.1 == seen.count }) { return (all.0, nil) }
        let used = counts.filter { $0.1 > 0 }.map { "'\($0.0.rawValue)'" }
        return (nil, "date cells are written in several forms (\(used.joined(separator: ", "))): date_format is left out, so every form is tried")
    }

    /// The days of the received_at column's cells (`yyyy-MM-dd`), read as the input will read them.
    static func receivedDays(_ r: InspectReport, spec: InputSpec) -> [String] {
        guard let values = r.values else { return [] }
        let headers = r.fields.map(\.name)
        guard let c = column(of: "received_at", headers: headers, columns: spec.columns), c < values.count else { return [] }
        let parser = DateTimeParser(pinned: spec.dateForm)
        let days = values[c].keys.compactMap { v in Array(v.utf8).withUnsafeBufferPointer { b in b.isEmpty ? nil : parser.localDay(b.baseAddress!, b.count) } }
        guard let lo = days.min(), let hi = days.max() else { return [] }
        return [formatDay(lo), formatDay(hi)]
    }

    // MARK: labels

    static let codeFields: [(field: String, dvcqg: String)] = [
        ("status", "TrangThaiHoSo"), ("channel", "KenhThucHien"), ("return_channel", "HinhThuc"),
        ("digitized", "HoSoCoThanhPhanSoHoa"), ("fee_bearing", "DanhSachLePhi"), ("e_result", "DanhSachGiayToKetQua"),
    ]

    /// Values of code columns that neither are codes nor map through a built-in label.
    static func unmapped(_ r: InspectReport, columns: [String: String]) -> [(field: String, value: String, count: Int)] {
        guard let values = r.values else { return [] }
        let headers = r.fields.map(\.name)
        var out: [(String, String, Int)] = []
        for (field, _) in codeFields {
            guard let c = column(of: field, headers: headers, columns: columns), c < values.count else { continue }
            for (v, n) in values[c] where !v.isEmpty && !maps(v, field: field) {
                out.append((field, v, n))
            }
        }
        return out
    }

    /// Whether a cell reads as a code of `field`: its digits, or a built-in label.
    static func maps(_ value: String, field: String) -> Bool {
        let kind: LabelKind = field == "status" ? .status : field == "channel" ? .channel
            : field == "return_channel" ? .returnChannel : .boolean
        if kind != .boolean, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(value), kind.codes.contains(n) { return true }
        return LabelTables.builtIn.code(normalized: normalizeLabel(value), kind) != nil
    }

    static func merged(_ list: [(field: String, value: String, count: Int)]) -> [(field: String, value: String, count: Int)] {
        var totals: [String: [String: Int]] = [:]
        for l in list { totals[l.field, default: [:]][l.value, default: 0] += l.count }
        return codeFields.flatMap { f in
            (totals[f.field] ?? [:]).sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { (f.field, $0.key, $0.value) }
        }
    }

    /// What an ambiguous vendor label may mean (domain notes §4.2a), for the comment beside it.
    static let labelHints: [String: String] = [
        "mới": "1 Mới đăng ký (not yet received) or 2 Được tiếp nhận", "từ chối": "3 Không được tiếp nhận",
        "trả lại": "3 Không được tiếp nhận, or 7 if this vendor means withdrawals", "đang thực hiện": "4 Đang xử lý",
        "tạm dừng": "8 Dừng xử lý, or 5/6 if it waits for the applicant", "đã giải quyết": "9 Đã xử lý xong or 10 Đã trả kết quả",
        "hoàn thành": "9 Đã xử lý xong or 10 Đã trả kết quả", "đã hoàn thành": "9 Đã xử lý xong or 10 Đã trả kết quả",
        "đã": "1 (yes)", "chưa": "0 (no)", "x": "1 (yes)",
    ]

    static let codeLists: [String: String] = [
        "status": "1–10: 1 Mới đăng ký, 2 Được tiếp nhận, 3 Không được tiếp nhận, 4 Đang xử lý, 5 Yêu cầu bổ sung giấy tờ, 6 Yêu cầu thực hiện nghĩa vụ tài chính, 7 Công dân yêu cầu rút hồ sơ, 8 Dừng xử lý, 9 Đã xử lý xong, 10 Đã trả kết quả",
        "channel": "1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích",
        "return_channel": "0 trực tiếp, 1 bưu chính",
        "boolean": "1 yes, 0 no",
    ]

    // MARK: text

    static func render(_ inputs: [Input], dir: String, name: String, from: String?, to: String?) -> String {
        var y = """
        # Drafted by `motcua init` from \(inputs.reduce(0) { $0 + $1.files.count }) file(s). Read every comment, give the
        # catalogs, then `motcua validate` this file. Keys and values: docs/REFERENCE.md.
        version: 1
        name: \(quoted(name))
        timezone: "+07:00"
        inputs:

        """
        let paths = inputPaths(inputs, dir: dir)
        for (index, input) in inputs.enumerated() {
            let s = input.spec
            let isNumber = { (v: String) in v.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
            let labels = input.unmappedLabels.filter { !isNumber($0.value) }
            let numbers = input.unmappedLabels.filter { isNumber($0.value) }
            let records = input.reports.reduce(0) { $0 + $1.counts.records }
            let rejected = input.reports.reduce(0) { $0 + $1.counts.rejected }
            y += "  # \(input.files.count) file(s), \(records) records, \(rejected) rejected as drafted"
            let reasons = input.reports.reduce(into: [String: Int]()) { acc, r in r.rejectsByReason.forEach { acc[$0.key, default: 0] += $0.value } }
            if !reasons.isEmpty { y += " (" + reasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")" }
            y += "\n"
            for note in input.notes { y += "  # NOTE: \(note)\n" }
            for n in numbers {
                // A number is read as the code itself: no label can map it.
                y += "  # NOTE: \(n.field) \(n.value) (\(n.count) row(s)) is no code of that field: those rows are rejected; correct them at the source\n"
            }
            y += "  - format: \(s.format.rawValue)\n"
            y += "    paths: [\(paths[index].map(quoted).joined(separator: ", "))]\n"
            if s.format == .csv, s.delimiter != UInt8(ascii: ",") {
                y += "    delimiter: \(s.delimiter == 0x09 ? "\"\\t\"" : quoted(String(UnicodeScalar(s.delimiter))))\n"
            }
            if let sheet = s.sheet { y += "    sheet: \(quoted(sheet))\n" }
            if let row = s.headerRow { y += "    header_row: \(row)   # rows above it are titles\n" }
            if let f = s.dateForm { y += "    date_format: \(quoted(f.rawValue))   # every date cell is in this form\n" }
            if !s.columns.isEmpty {
                y += "    columns:   # headers that differ from the defaults\n"
                for f in fields where s.columns[f] != nil { y += "      \(f): \(quoted(s.columns[f]!))\n" }
            }
            if !labels.isEmpty {
                y += "    # Labels no built-in list maps: give each its code and uncomment it (rows with them are rejected until then).\n"
                y += "    # labels:\n"
                var lastKind = ""
                for l in labels {
                    let kind = ["digitized", "fee_bearing", "e_result"].contains(l.field) ? "boolean" : l.field
                    if kind != lastKind {
                        y += "    #   \(kind):   # \(codeLists[kind] ?? "")\n"
                        lastKind = kind
                    }
                    let hint = labelHints[exactKey(l.value)].map { " — perhaps \($0)" } ?? ""
                    y += "    #     \(quoted(l.value)): ?   # \(l.count) row(s)\(hint)\n"
                }
            }
        }
        let (pFrom, pTo) = monthSpan(from, to)
        y += """
        # TODO: the unit and procedure catalogs (docs/REFERENCE.md, "Catalogs"): units.csv names every unit,
        # its tier and parent; procedures.csv each procedure's sector and service level. `motcua validate`
        # reports these files missing until they are there.
        catalogs: { units: catalogs/units.csv, procedures: catalogs/procedures.csv }
        # NgayTiepNhan in the files runs from \(from ?? "?") to \(to ?? "?"); the months it covers:
        periods: { kind: month, from: \(pFrom), to: \(pTo) }
        rules: tt01
        breakdown: [sector]
        outputs: { dir: out, formats: [csv, json], form_ii06a: true }
        limits: { max_reject_rate: 0.01 }

        """
        return y
    }

    /// Each input's `paths`: one glob for its files, or — when that glob would also take files
    /// of another input (two layouts in one folder) — its files one by one.
    static func inputPaths(_ inputs: [Input], dir: String) -> [[String]] {
        let globs = inputs.map { pattern($0.files, dir: dir) }
        return inputs.indices.map { i in
            let others = inputs.indices.filter { $0 != i }.flatMap { inputs[$0].files }
                .map { relative(URL(fileURLWithPath: $0).standardizedFileURL.path, to: dir) }
            if others.contains(where: { fnmatch(globs[i], $0, FNM_PATHNAME | FNM_PERIOD) == 0 }) {
                return inputs[i].files.map { relative(URL(fileURLWithPath: $0).standardizedFileURL.path, to: dir) }
            }
            return [globs[i]]
        }
    }

    /// One glob for the files of an input: their folder, the common start of their names up to
    /// the first digit, `*`, and their common ending (`exports/hoso-*.csv.gz`).
    static func pattern(_ files: [String], dir: String) -> String {
        let absolute = files.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let folder = (absolute[0] as NSString).deletingLastPathComponent
        let names = absolute.map { ($0 as NSString).lastPathComponent }
        var prefix = names.dropFirst().reduce(names[0]) { String($0.commonPrefix(with: $1)) }
        if let digit = prefix.firstIndex(where: \.isNumber) { prefix = String(prefix[..<digit]) }
        let ending = names.map { n -> String in
            let base = n.split(separator: ".", maxSplits: 1)
            return base.count == 2 ? "." + base[1] : ""
        }
        let suffix = Set(ending).count == 1 ? ending[0] : ""
        let name = prefix == names[0] && names.count == 1 ? names[0] : prefix + "*" + suffix
        return relative(folder + "/" + name, to: dir)
    }

    static func relative(_ path: String, to dir: String) -> String {
        let p = path.split(separator: "/"), d = dir.split(separator: "/")
        var i = 0
        while i < min(p.count, d.count) && p[i] == d[i] { i += 1 }
        return (Array(repeating: "..", count: d.count - i) + p[i...].map(String.init)).joined(separator: "/")
    }

    /// The first day of `from`'s month to the last day of `to`'s month.
    static func monthSpan(_ from: String?, _ to: String?) -> (String, String) {
        guard let from, let to, let a = parseDay(from), let b = parseDay(to) else { return ("2024-01-01", "2024-12-31") }
        let (y1, m1, _) = civilFromDays(Int(a)), (y2, m2, _) = civilFromDays(Int(b))
        return ("\(pad4(y1))-\(pad2(m1))-01", "\(pad4(y2))-\(pad2(m2))-\(pad2(daysInMonth(y2, m2)))")
    }

    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
