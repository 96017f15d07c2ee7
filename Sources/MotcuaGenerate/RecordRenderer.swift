// One export line of `motcua generate`, written straight into bytes: a `dvcqg-ndjson` object in
// the portal's DongBoHoSoMC shape (SPEC §2.2: every field in use, the variants real systems
// send, and the nested fields motcua ignores), or a vendor CSV row with the default Vietnamese
// headers (SPEC §2.3). A few lines are deliberately damaged (`BadKind`).
import MotcuaFoundation

/// Deliberate damage to one record, and the reject it must give (SPEC §3.3).
enum BadKind: CaseIterable {
    case status11              // invalid_value:TrangThaiHoSo (11)
    case statusText            // invalid_value:TrangThaiHoSo (a label that is no code)
    case statusZero            // invalid_value:TrangThaiHoSo ("0")
    case idAbsent              // missing_field:MaHoSo (absent; empty in CSV)
    case idEmpty               // missing_field:MaHoSo ("")
    case endedBeforeReceived   // ended_before_received
    case badDate               // invalid_value:NgayHenTra (31/02)
    case extraCell             // malformed_csv (CSV only: one cell too many)
}

/// The owner, address and attachments of a dossier, the same in every file (from its seed).
private struct Person {
    var companyKind = -1, companyPlace = 0, ho = 0, dem = 0, ten = 0
    var hamlet = 0, place = 0, phone = 0, idNumber = 0
    var documents: [Int] = []

    init(_ info: DossierInfo, _ p: Province) {
        var r = GenRandom(seed: info.personSeed)
        if p.procedures[Int(info.procedure)].business && r.chance(0.6) {
            companyKind = r.below(p.companyKinds.count)
            companyPlace = r.below(p.placeNames.count)
        } else {
            ho = r.below(p.ho.count); dem = r.below(p.dem.count); ten = r.below(p.ten.count)
        }
        hamlet = r.below(p.hamlets.count)
        let places = p.units[Int(info.unit)].residentPlaces
        place = places[r.below(places.count)]
        phone = r.below(100_000_000)
        idNumber = r.below(1_000_000_000)
        documents = (0..<r.int(1, 3)).map { _ in r.below(p.documents.count) }
    }
}

private enum Texts {
    static let fee = GenText("Lệ phí")
    static let feeWaived = GenText("Phí thẩm định (miễn)")
    static let noFee = GenText("Miễn lệ phí")
    static let result = GenText("Kết quả giải quyết")
    static let paperResult = GenText("Kết quả giải quyết (bản giấy)")
    static let statusLabelInNDJSON = GenText("Đang xử lý")
    static let statusNoLabel = GenText("Chờ duyệt")
    static let csvNote = GenText("\nGhi chú: hồ sơ nộp bổ sung")
    static let statusLabels = ["", "Mới đăng ký", "Được tiếp nhận", "Không được tiếp nhận", "Đang xử lý",
                               "Yêu cầu bổ sung giấy tờ", "Yêu cầu thực hiện nghĩa vụ tài chính",
                               "Công dân yêu cầu rút hồ sơ", "Dừng xử lý", "Đã xử lý xong", "Đã trả kết quả"].map(GenText.init)
    static let statusEnglish = ["", "receiving", "new", "denied", "processing", "waiting", "paying", "cancelled",
                                "unresolved", "releasing", "done"].map { Array($0.utf8) }
    static let channelLabels = ["", "Trực tiếp", "Trực tuyến", "Bưu chính công ích"].map(GenText.init)
    static let returnLabels = ["Trực tiếp", "Bưu chính"].map(GenText.init)
    static let booleans: [(GenText, GenText)] = [(GenText("1"), GenText("0")), (GenText("Có"), GenText("Không")),
                                                 (GenText("true"), GenText("false"))]
    static let csvHeader = GenText("STT,Mã hồ sơ,Mã đơn vị,Tên đơn vị,Mã TTHC,Tên TTHC,Mã lĩnh vực,Tên lĩnh vực,Mức độ,"
        + "Kênh thực hiện,Chủ hồ sơ,Địa chỉ,Trích yếu,Trạng thái,Ngày nộp,Ngày tiếp nhận,Ngày hẹn trả,"
        + "Ngày kết thúc xử lý,Ngày trả kết quả,Hình thức trả kết quả,Thanh toán trực tuyến,Số hóa,Có phí,"
        + "Có kết quả điện tử")
}

struct RecordRenderer {
    let province: Province
    var rng: GenRandom
    /// Escape every non-ASCII character (one exporter in nine does).
    let ascii: Bool
    /// CSV booleans: 1/0, Có/Không or true/false.
    let booleanStyle: Int
    private var needComma = false
    private let b: ByteSink

    init(province: Province, rng: GenRandom, ascii: Bool, booleanStyle: Int, sink: ByteSink) {
        self.province = province
        self.rng = rng
        self.ascii = ascii
        self.booleanStyle = booleanStyle
        b = sink
    }

    static func csvHeader(into b: ByteSink) { b.bytes(Texts.csvHeader.csv); b.text("\r\n") }

    // ------------------------------------------------------------------ shared pieces

    private func id(_ d: DossierInfo) {
        b.bytes(province.units[Int(d.unit)].codeBytes)
        b.byte(0x2D)
        let (y, m, dd) = GenCalendar.civil(Int(d.submitted / 86400))
        b.padded(y % 100, 2); b.padded(m, 2); b.padded(dd, 2)
        b.byte(0x2D)
        b.padded(Int(d.seqNo), 4)
    }

    private mutating func ndjsonForm(_ d: DossierInfo) -> DateForm {
        if d.utcDates { return .isoZ }
        let r = rng.double()
        return r < 0.955 ? .portal : r < 0.970 ? .isoZ : r < 0.980 ? .isoOffset : r < 0.988 ? .sql : r < 0.995 ? .vnDateTime : .vnDate
    }

    private mutating func csvForm(_ d: DossierInfo) -> DateForm {
        if d.utcDates { return .isoZ }
        let r = rng.double()
        return r < 0.90 ? .vnDateTime : r < 0.94 ? .vnMinutes : r < 0.97 ? .sql : r < 0.99 ? .portal : .isoOffset
    }

    private mutating func date(_ t: Int64, _ form: DateForm) {
        b.date(t, form, millis: form == .isoOffset ? rng.int(0, 999) : 0)
    }

    private func text(_ t: GenText) { b.json(t, ascii: ascii) }

    private func owner(_ p: Person) {
        let pr = province
        if p.companyKind >= 0 {
            text(pr.companyKinds[p.companyKind]); b.byte(0x20); text(pr.placeNames[p.companyPlace])
        } else {
            text(pr.ho[p.ho]); b.byte(0x20); text(pr.dem[p.dem]); b.byte(0x20); text(pr.ten[p.ten])
        }
    }

    private func address(_ p: Person) {
        text(province.hamlets[p.hamlet]); b.text(", "); text(province.units[p.place].placeText); text(province.provinceText)
    }

    // ------------------------------------------------------------------ dvcqg-ndjson

    @inline(__always) private mutating func key(_ k: StaticString) {
        if needComma { b.byte(0x2C) }
        needComma = true
        b.byte(0x22); b.text(k); b.text("\":")
    }

    private mutating func dateField(_ k: StaticString, _ t: Int64, _ d: DossierInfo, nullWhenAbsent: Bool = false) {
        key(k)
        if t == noTime { if nullWhenAbsent { b.text("null") } else { b.text("\"\"") }; return }
        b.byte(0x22); date(t, ndjsonForm(d)); b.byte(0x22)
    }

    /// One NDJSON object (no line end).
    mutating func json(_ e: LineEntry, bad: BadKind?) {
        let d = e.info, st = e.state
        let unit = province.units[Int(d.unit)]
        let proc = province.procedures[Int(d.procedure)]
        let person = Person(d, province)
        needComma = false
        b.byte(0x7B)
        if bad != .idAbsent {
            key("MaHoSo"); b.byte(0x22); if bad != .idEmpty { id(d) }; b.byte(0x22)
        }
        var r = rng.double()
        if r >= 0.004 {   // MaTTHC, sometimes the province's published copy with its suffix
            key("MaTTHC"); b.byte(0x22); b.bytes(proc.code); if r < 0.12 { b.text(".000.00.00.H56") }; b.byte(0x22)
        }
        key("TenTTHC"); b.byte(0x22); text(proc.name); b.byte(0x22)
        r = rng.double()
        if !proc.sectorCode.isEmpty && r > 0.15 {
            key("MaLinhVuc"); b.byte(0x22); b.bytes(proc.sectorCode); b.byte(0x22)
            key("TenLinhVuc"); b.byte(0x22); text(proc.sectorName); b.byte(0x22)
        } else if r < 0.05 {
            key("MaLinhVuc"); b.text("\"\"")
        }
        r = rng.double()
        if d.channel == 1 && r < 0.05 {
        } else if d.channel == 1 && r < 0.07 {
            key("KenhThucHien"); b.text("null")
        } else if r < 0.15 {
            key("KenhThucHien"); b.byte(0x22); b.int(Int(d.channel)); b.byte(0x22)
        } else {
            key("KenhThucHien"); b.int(Int(d.channel))
        }
        key("ChuHoSo"); b.byte(0x22); owner(person); b.byte(0x22)
        key("LoaiDoiTuong"); b.int(person.companyKind >= 0 ? 2 : 1)
        key("SoGiayToChuHoSo"); b.text("\"038"); b.padded(person.idNumber, 9); b.byte(0x22)
        key("DiaChi"); b.byte(0x22); address(person); b.byte(0x22)
        key("SoDienThoai"); b.text("\"09"); b.padded(person.phone, 8); b.byte(0x22)
        key("Email"); b.text("\"\"")
        key("TrichYeuHoSo"); b.byte(0x22); text(proc.subject); b.text(" - "); owner(person); b.byte(0x22)
        r = rng.double()
        if r < 0.004 {
        } else if r < 0.008 {
            key("MaDonVi"); b.text("\"\"")
        } else if r < 0.010 {
            key("MaDonVi"); b.text("null")
        } else {
            key("MaDonVi"); b.byte(0x22); b.bytes(unit.codeBytes); b.byte(0x22)
        }
        key("DonViXuLy"); b.byte(0x22); text(unit.nameText); b.byte(0x22)
        key("MucDo")
        if rng.chance(0.9) { b.int(Int(d.serviceLevel)) } else { b.byte(0x22); b.int(Int(d.serviceLevel)); b.byte(0x22) }
        dateField("NgayNopHoSo", d.submitted, d)
        key("TrangThaiHoSo")
        switch bad {
        case .status11: b.text("11")
        case .statusText: b.byte(0x22); text(Texts.statusLabelInNDJSON); b.byte(0x22)
        case .statusZero: b.text("\"0\"")
        case .endedBeforeReceived: b.int(9)
        default:
            if rng.chance(0.006) {
                b.byte(0x22)
                let en = Texts.statusEnglish[Int(st.status)]
                if rng.chance(0.5) { b.byte(en[0] - 32); b.bytes(Array(en.dropFirst())) } else { b.bytes(en) }
                b.byte(0x22)
            } else if rng.chance(0.05) {
                b.byte(0x22); b.int(Int(st.status)); b.byte(0x22)
            } else {
                b.int(Int(st.status))
            }
        }
        dateField("NgayTiepNhan", st.received, d)
        if bad == .badDate {
            key("NgayHenTra"); b.text("\"31/02/"); b.int(GenCalendar.civil(Int(d.submitted / 86400)).y); b.byte(0x22)
        } else {
            dateField("NgayHenTra", st.due, d)
        }
        if bad == .endedBeforeReceived {
            key("NgayKetThucXuLy"); b.byte(0x22); b.date(st.received - 3 * 86400, .portal); b.byte(0x22)
        } else {
            dateField("NgayKetThucXuLy", st.ended, d, nullWhenAbsent: true)
        }
        dateField("NgayTra", st.returned, d)
        key("HinhThuc"); b.int(Int(d.returnChannel))
        key("NoiNopHoSo"); b.text("\"2\"")
        key("TaiKhoanDuocXacThucVoiVNeID"); b.int(d.channel == 2 ? 1 : 0)
        key("DanhSachTepDinhKem"); b.byte(0x5B)
        for (i, doc) in person.documents.enumerated() {
            if i > 0 { b.byte(0x2C) }
            b.text("{\"TepDinhKemId\":\""); id(d); b.byte(0x2D); b.int(i + 1)
            b.text("\",\"TenTepDinhKem\":\""); text(province.documents[doc]); b.text(".pdf\",\"IsDeleted\":false,\"MaThanhPhanHoSo\":\"TP")
            b.padded(i + 1, 2); b.text("\",\"DuongDanTaiTepTin\":\"/upload/"); id(d); b.byte(0x2F); b.int(i + 1)
            b.text(".pdf\",\"DuocSoHoa\":"); b.int(Int(d.digitized)); b.text(",\"DuocTaiSuDung\":0}")
        }
        b.byte(0x5D)
        if d.fee > 0 {
            key("DanhSachLePhi"); b.byte(0x5B)
            let form = rng.double()
            if rng.chance(0.1) {
                b.text("{\"TenPhiLePhi\":\""); text(Texts.feeWaived); b.text("\",\"MaPhiLePhi\":\"P00\",\"HinhThucThu\":1,\"Gia\":0,\"LoaiPhiLePhi\":2},")
            }
            b.text("{\"TenPhiLePhi\":\""); text(Texts.fee); b.text("\",\"MaPhiLePhi\":\"LP01\",\"HinhThucThu\":1,\"Gia\":")
            if form < 0.7 { b.int(Int(d.fee)) } else { b.byte(0x22); b.int(Int(d.fee)); if form >= 0.9 { b.text(".00") }; b.byte(0x22) }
            b.text(",\"LoaiPhiLePhi\":1}]")
        } else {
            r = rng.double()
            if r < 0.5 {
                key("DanhSachLePhi"); b.text("[]")
            } else if r < 0.7 {
                key("DanhSachLePhi"); b.text("[{\"TenPhiLePhi\":\""); text(Texts.noFee); b.text("\",\"Gia\":\"0\",\"LoaiPhiLePhi\":1}]")
            }
        }
        if d.fee > 0 || rng.chance(0.5) { key("DuocThanhToanTrucTuyen"); b.int(d.fee > 0 ? Int(st.paid) : 0) }
        key("HoSoCoThanhPhanSoHoa")
        if rng.chance(0.05) { b.byte(0x22); b.int(Int(d.digitized)); b.byte(0x22) } else { b.int(Int(d.digitized)) }
        if st.eResult >= 0 && st.status >= 9 {
            key("DanhSachGiayToKetQua")
            if st.eResult == 1 {
                b.text("[{\"TenGiayTo\":\""); text(Texts.result); b.text("\",\"MaThanhPhanHoSo\":\"KQ01\",\"GiayToId\":\""); id(d)
                b.text("-KQ\",\"DuongDanTepTinKetQua\":\"https://dichvucong.thanhhoa.gov.vn/ketqua/"); id(d)
                b.text(".pdf\",\"MaGiayToKetQua\":\"KQ-"); id(d); b.text("\"}]")
            } else if rng.chance(0.6) {
                b.text("[]")
            } else {
                b.text("[{\"TenGiayTo\":\""); text(Texts.paperResult); b.text("\",\"GiayToId\":\""); id(d)
                b.text("-KQ\",\"DuongDanTepTinKetQua\":\"\"}]")
            }
        }
        key("GhiChu"); b.text("\"\"")
        b.byte(0x7D)
    }

    // ------------------------------------------------------------------ csv

    @inline(__always) private func comma() { b.byte(0x2C) }
    private func quoted(_ t: GenText) { b.byte(0x22); b.bytes(t.csv); b.byte(0x22) }

    private mutating func csvDate(_ t: Int64, _ d: DossierInfo) {
        comma()
        if t != noTime { date(t, csvForm(d)) }
    }

    private func boolean(_ v: Bool) {
        let pair = Texts.booleans[booleanStyle]
        b.bytes((v ? pair.0 : pair.1).csv)
    }

    /// One CSV row in the header's column order (no line end); `row` is its STT.
    mutating func csv(_ e: LineEntry, row: Int, bad: BadKind?) {
        let d = e.info, st = e.state
        let unit = province.units[Int(d.unit)]
        let proc = province.procedures[Int(d.procedure)]
        let person = Person(d, province)
        b.int(row); comma()
        if bad != .idAbsent && bad != .idEmpty { id(d) }
        comma(); if rng.double() >= 0.01 { b.bytes(unit.codeBytes) }
        comma(); quoted(unit.nameText)
        comma()
        var r = rng.double()
        if r >= 0.004 { b.bytes(proc.code); if r < 0.12 { b.text(".000.00.00.H56") } }
        comma(); quoted(proc.name)
        r = rng.double()
        if !proc.sectorCode.isEmpty && r > 0.15 { comma(); b.bytes(proc.sectorCode); comma(); quoted(proc.sectorName) } else { comma(); comma() }
        comma(); b.int(Int(d.serviceLevel))
        comma()
        r = rng.double()
        if d.channel == 1 && r < 0.05 {
        } else if r < 0.35 {
            b.bytes(d.channel == 3 && r < 0.2 ? Array("BCCI".utf8) : Texts.channelLabels[Int(d.channel)].csv)
        } else {
            b.int(Int(d.channel))
        }
        comma(); b.byte(0x22); ownerCSV(person); b.byte(0x22)
        comma(); b.byte(0x22); b.bytes(province.hamlets[person.hamlet].csv); b.text(", ")
        b.bytes(province.units[person.place].placeText.csv); b.bytes(province.provinceText.csv); b.byte(0x22)
        comma(); b.byte(0x22); b.bytes(proc.subject.csv); b.text(" - "); ownerCSV(person)
        if rng.chance(0.003) { b.bytes(Texts.csvNote.csv) }
        b.byte(0x22)
        comma()
        switch bad {
        case .status11: b.text("11")
        case .statusText: b.bytes(Texts.statusNoLabel.csv)
        case .statusZero: b.text("0")
        case .endedBeforeReceived: b.int(9)
        default:
            r = rng.double()
            if r < 0.75 { b.int(Int(st.status)) } else if r < 0.97 { b.bytes(Texts.statusLabels[Int(st.status)].csv) } else { b.bytes(Texts.statusEnglish[Int(st.status)]) }
        }
        csvDate(d.submitted, d)
        csvDate(st.received, d)
        if bad == .badDate { comma(); b.text("31/02/"); b.int(GenCalendar.civil(Int(d.submitted / 86400)).y) } else { csvDate(st.due, d) }
        if bad == .endedBeforeReceived { comma(); b.date(st.received - 3 * 86400, .vnDateTime) } else { csvDate(st.ended, d) }
        csvDate(st.returned, d)
        comma()
        if rng.chance(0.3) { b.bytes(Texts.returnLabels[Int(d.returnChannel)].csv) } else { b.int(Int(d.returnChannel)) }
        comma()
        if d.fee > 0 { b.int(Int(st.paid)) } else if rng.chance(0.5) { b.byte(0x30) }
        comma(); boolean(d.digitized == 1)
        comma(); boolean(d.fee > 0)
        comma()
        let eResult = st.eResult == 1 && st.status >= 9
        if eResult || rng.chance(0.8) { boolean(eResult) }
        if bad == .extraCell { b.text(",x") }
    }

    private func ownerCSV(_ p: Person) {
        let pr = province
        if p.companyKind >= 0 {
            b.bytes(pr.companyKinds[p.companyKind].csv); b.byte(0x20); b.bytes(pr.placeNames[p.companyPlace].csv)
        } else {
            b.bytes(pr.ho[p.ho].csv); b.byte(0x20); b.bytes(pr.dem[p.dem].csv); b.byte(0x20); b.bytes(pr.ten[p.ten].csv)
        }
    }
}
