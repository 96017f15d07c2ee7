// The synthetic province of `motcua generate`: a unit tree (UBND tỉnh, departments, districts
// and their communes; SPEC §2.5) grown to the asked size, the procedure catalog by tier with
// service levels and sectors, intake weights per unit, one unit left out of units.csv, and
// the Vietnamese names records are made of. Names and codes are invented; only their shapes
// follow the official ones (reference/domain-notes.md §5).
import MotcuaFoundation

struct GenSector { let code: String; let name: String; let business: Bool }

struct GenProcedureSpec {
    let code: String
    let name: String
    let sector: String
    let tiers: [(tier: String, level: Int)]
    let department: Int?   // the one department whose own procedure it is (unit_code rows)
    let days: Int          // working days to resolve; 0 = the same day
    let fee: Int           // VND
}

struct GenDepartment { let number: Int; let name: String; let sectors: [String]; let weight: Double }

enum ProvinceTables {
    static let provinceCode = "H56"
    static let provinceName = "Thanh Hóa"
    static let suffix = ".000.00.00.H56"
    static let rootSectors = ["G12-TN01", "G07-XD01"]
    static let unknownUnit = (code: "000.00.31.H56", name: "Ban Quản lý Khu kinh tế Nghi Sơn và các Khu công nghiệp",
                              sectors: ["G07-XD01"], weight: 0.5)

    static let sectors: [GenSector] = [
        GenSector(code: "G09-TP01", name: "Hộ tịch", business: false),
        GenSector(code: "G09-TP02", name: "Chứng thực", business: false),
        GenSector(code: "G09-TP05", name: "Lý lịch tư pháp", business: false),
        GenSector(code: "G05-KH01", name: "Thành lập và hoạt động doanh nghiệp", business: true),
        GenSector(code: "G05-KH02", name: "Thành lập và hoạt động của hộ kinh doanh", business: false),
        GenSector(code: "G12-TN01", name: "Đất đai", business: false),
        GenSector(code: "G12-TN04", name: "Môi trường", business: true),
        GenSector(code: "G07-XD01", name: "Hoạt động xây dựng", business: true),
        GenSector(code: "G10-LD01", name: "Việc làm", business: true),
        GenSector(code: "G10-LD03", name: "Bảo trợ xã hội", business: false),
        GenSector(code: "G13-VH02", name: "Du lịch", business: true),
        GenSector(code: "G04-GT01", name: "Đường bộ", business: false),
        GenSector(code: "G02-CT05", name: "Lưu thông hàng hóa trong nước", business: true),
        GenSector(code: "G16-YT03", name: "Dược phẩm", business: true),
        GenSector(code: "G03-GD10", name: "Giáo dục trung học", business: false),
        GenSector(code: "G06-NN02", name: "Thú y", business: true),
        GenSector(code: "G11-NV04", name: "Thi đua - khen thưởng", business: false),
        GenSector(code: "G14-TT02", name: "Xuất bản, In và Phát hành", business: true),
        GenSector(code: "G08-TC01", name: "Quản lý công sản", business: false),
        GenSector(code: "G15-KC01", name: "Hoạt động khoa học và công nghệ", business: true),
    ]

    /// Departments in the order a province of growing size gets them (at most 15).
    static let departments: [GenDepartment] = [
        GenDepartment(number: 3, name: "Sở Kế hoạch và Đầu tư", sectors: ["G05-KH01", "G07-XD01"], weight: 3.0),
        GenDepartment(number: 6, name: "Sở Tư pháp", sectors: ["G09-TP05"], weight: 2.5),
        GenDepartment(number: 13, name: "Sở Văn hóa, Thể thao và Du lịch", sectors: ["G13-VH02"], weight: 1.0),
        GenDepartment(number: 8, name: "Sở Tài nguyên và Môi trường", sectors: ["G12-TN01", "G12-TN04"], weight: 2.0),
        GenDepartment(number: 11, name: "Sở Giao thông vận tải", sectors: ["G04-GT01"], weight: 3.5),
        GenDepartment(number: 10, name: "Sở Lao động - Thương binh và Xã hội", sectors: ["G10-LD01"], weight: 1.8),
        GenDepartment(number: 9, name: "Sở Xây dựng", sectors: ["G07-XD01"], weight: 1.2),
        GenDepartment(number: 15, name: "Sở Y tế", sectors: ["G16-YT03"], weight: 1.2),
        GenDepartment(number: 5, name: "Sở Công Thương", sectors: ["G02-CT05"], weight: 0.8),
        GenDepartment(number: 14, name: "Sở Giáo dục và Đào tạo", sectors: ["G03-GD10"], weight: 1.0),
        GenDepartment(number: 7, name: "Sở Nông nghiệp và Phát triển nông thôn", sectors: ["G06-NN02"], weight: 0.7),
        GenDepartment(number: 2, name: "Sở Nội vụ", sectors: ["G11-NV04"], weight: 0.5),
        GenDepartment(number: 12, name: "Sở Thông tin và Truyền thông", sectors: ["G14-TT02"], weight: 0.4),
        GenDepartment(number: 4, name: "Sở Tài chính", sectors: ["G08-TC01"], weight: 0.3),
        GenDepartment(number: 16, name: "Sở Khoa học và Công nghệ", sectors: ["G15-KC01"], weight: 0.3),
    ]

    static let procedures: [GenProcedureSpec] = [
        .init(code: "1.001193", name: "Thủ tục đăng ký khai sinh", sector: "G09-TP01", tiers: [("xa", 4)], department: nil, days: 0, fee: 0),
        .init(code: "1.001022", name: "Thủ tục đăng ký khai tử", sector: "G09-TP01", tiers: [("xa", 4)], department: nil, days: 0, fee: 0),
        .init(code: "1.000894", name: "Thủ tục đăng ký kết hôn", sector: "G09-TP01", tiers: [("xa", 3)], department: nil, days: 1, fee: 0),
        .init(code: "1.004873", name: "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", sector: "G09-TP01", tiers: [("xa", 4)], department: nil, days: 3, fee: 0),
        .init(code: "2.000635", name: "Thủ tục cấp bản sao trích lục hộ tịch", sector: "G09-TP01", tiers: [("xa", 4), ("huyen", 4)], department: nil, days: 0, fee: 8000),
        .init(code: "1.004884", name: "Thủ tục đăng ký kết hôn có yếu tố nước ngoài", sector: "G09-TP01", tiers: [("huyen", 3)], department: nil, days: 15, fee: 1_500_000),
        .init(code: "2.000815", name: "Thủ tục chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp", sector: "G09-TP02", tiers: [("huyen", 3), ("xa", 2)], department: nil, days: 0, fee: 2000),
        .init(code: "2.000884", name: "Thủ tục chứng thực chữ ký trong các giấy tờ, văn bản", sector: "G09-TP02", tiers: [("huyen", 2), ("xa", 2)], department: nil, days: 0, fee: 10000),
        .init(code: "2.001035", name: "Thủ tục chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản", sector: "G09-TP02", tiers: [("xa", 2)], department: nil, days: 2, fee: 50000),
        .init(code: "2.000488", name: "Thủ tục cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam", sector: "G09-TP05", tiers: [("tinh", 4)], department: 6, days: 10, fee: 200_000),
        .init(code: "2.000505", name: "Thủ tục cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng", sector: "G09-TP05", tiers: [("tinh", 3)], department: 6, days: 10, fee: 0),
        .init(code: "1.001612", name: "Đăng ký thành lập doanh nghiệp tư nhân", sector: "G05-KH01", tiers: [("tinh", 4)], department: nil, days: 3, fee: 50000),
        .init(code: "2.001610", name: "Đăng ký thành lập công ty TNHH một thành viên", sector: "G05-KH01", tiers: [("tinh", 4)], department: nil, days: 3, fee: 50000),
        .init(code: "1.005386", name: "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", sector: "G05-KH01", tiers: [("tinh", 4)], department: nil, days: 3, fee: 50000),
        .init(code: "2.000575", name: "Đăng ký thành lập hộ kinh doanh", sector: "G05-KH02", tiers: [("huyen", 4)], department: nil, days: 3, fee: 100_000),
        .init(code: "2.000720", name: "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", sector: "G05-KH02", tiers: [("huyen", 3)], department: nil, days: 3, fee: 100_000),
        .init(code: "1.004227", name: "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất lần đầu", sector: "G12-TN01", tiers: [("huyen", 2), ("tinh", 2)], department: nil, days: 15, fee: 100_000),
        .init(code: "1.003003", name: "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", sector: "G12-TN01", tiers: [("huyen", 3), ("tinh", 3)], department: nil, days: 10, fee: 50000),
        .init(code: "1.002255", name: "Thủ tục giao đất, cho thuê đất không thông qua đấu giá quyền sử dụng đất", sector: "G12-TN01", tiers: [("tinh", 2)], department: nil, days: 20, fee: 0),
        .init(code: "1.000798", name: "Thủ tục hòa giải tranh chấp đất đai", sector: "G12-TN01", tiers: [("xa", 2)], department: nil, days: 10, fee: 0),
        .init(code: "1.004240", name: "Cấp giấy phép xả nước thải vào nguồn nước", sector: "G12-TN04", tiers: [("tinh", 3)], department: nil, days: 15, fee: 600_000),
        .init(code: "1.010727", name: "Thẩm định báo cáo đánh giá tác động môi trường", sector: "G12-TN04", tiers: [("tinh", 2)], department: nil, days: 30, fee: 5_000_000),
        .init(code: "1.009972", name: "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", sector: "G07-XD01", tiers: [("huyen", 3)], department: nil, days: 15, fee: 75000),
        .init(code: "1.009974", name: "Cấp giấy phép xây dựng sửa chữa, cải tạo đối với công trình", sector: "G07-XD01", tiers: [("huyen", 3), ("tinh", 3)], department: nil, days: 15, fee: 150_000),
        .init(code: "1.009794", name: "Thẩm định Báo cáo nghiên cứu khả thi đầu tư xây dựng", sector: "G07-XD01", tiers: [("tinh", 2)], department: nil, days: 20, fee: 0),
        .init(code: "1.000459", name: "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam", sector: "G10-LD01", tiers: [("tinh", 4)], department: nil, days: 5, fee: 600_000),
        .init(code: "2.000134", name: "Giải quyết hưởng trợ cấp thất nghiệp", sector: "G10-LD01", tiers: [("tinh", 3)], department: nil, days: 20, fee: 0),
        .init(code: "1.001776", name: "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng, hỗ trợ kinh phí chăm sóc, nuôi dưỡng hàng tháng", sector: "G10-LD03", tiers: [("xa", 3), ("huyen", 3)], department: nil, days: 7, fee: 0),
        .init(code: "1.001758", name: "Chi trả trợ cấp xã hội hàng tháng khi đối tượng thay đổi nơi cư trú trong cùng địa bàn quận, huyện", sector: "G10-LD03", tiers: [("huyen", 3)], department: nil, days: 5, fee: 0),
        .init(code: "2.000286", name: "Đăng ký thành lập cơ sở trợ giúp xã hội ngoài công lập thuộc thẩm quyền của Phòng Lao động - Thương binh và Xã hội", sector: "G10-LD03", tiers: [("huyen", 2)], department: nil, days: 10, fee: 0),
        .init(code: "1.004623", name: "Công nhận hạng cơ sở lưu trú du lịch: hạng 1 sao, 2 sao, 3 sao", sector: "G13-VH02", tiers: [("tinh", 3)], department: nil, days: 10, fee: 1_500_000),
        .init(code: "1.001432", name: "Cấp Giấy phép kinh doanh dịch vụ lữ hành nội địa", sector: "G13-VH02", tiers: [("tinh", 4)], department: nil, days: 7, fee: 3_000_000),
        .init(code: "1.004628", name: "Cấp thẻ hướng dẫn viên du lịch tại điểm", sector: "G13-VH02", tiers: [("tinh", 4)], department: nil, days: 10, fee: 200_000),
        .init(code: "1.001009", name: "Thủ tục cấp Giấy chứng nhận đủ điều kiện kinh doanh dịch vụ lưu trú", sector: "G13-VH02", tiers: [("tinh", 3)], department: nil, days: 5, fee: 0),
        .init(code: "1.002804", name: "Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp", sector: "G04-GT01", tiers: [("tinh", 4)], department: nil, days: 5, fee: 135_000),
        .init(code: "1.001765", name: "Cấp giấy phép xe tập lái", sector: "G04-GT01", tiers: [("tinh", 3)], department: nil, days: 2, fee: 0),
        .init(code: "2.000633", name: "Cấp Giấy phép bán buôn rượu trên địa bàn tỉnh", sector: "G02-CT05", tiers: [("tinh", 3)], department: nil, days: 15, fee: 1_200_000),
        .init(code: "1.004616", name: "Cấp Chứng chỉ hành nghề dược", sector: "G16-YT03", tiers: [("tinh", 4)], department: nil, days: 20, fee: 500_000),
        .init(code: "1.002952", name: "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược", sector: "G16-YT03", tiers: [("tinh", 3)], department: nil, days: 20, fee: 4_000_000),
        .init(code: "1.005095", name: "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", sector: "G03-GD10", tiers: [("tinh", 4)], department: nil, days: 5, fee: 0),
        .init(code: "1.003612", name: "Cấp Giấy chứng nhận đủ điều kiện vệ sinh thú y", sector: "G06-NN02", tiers: [("tinh", 3)], department: nil, days: 15, fee: 250_000),
        .init(code: "1.000775", name: "Tặng Bằng khen của Chủ tịch Ủy ban nhân dân cấp tỉnh", sector: "G11-NV04", tiers: [("tinh", 2)], department: nil, days: 20, fee: 0),
        .init(code: "1.003725", name: "Cấp giấy phép hoạt động in", sector: "G14-TT02", tiers: [("tinh", 3)], department: nil, days: 10, fee: 0),
        .init(code: "1.005426", name: "Xác lập quyền sở hữu toàn dân đối với tài sản", sector: "G08-TC01", tiers: [("tinh", 2)], department: nil, days: 30, fee: 0),
        .init(code: "1.000863", name: "Đăng ký kết quả thực hiện nhiệm vụ khoa học và công nghệ", sector: "G15-KC01", tiers: [("tinh", 3)], department: nil, days: 10, fee: 0),
    ]

    /// A procedure some dossiers carry that is in no catalog (and without MaLinhVuc: sector "(none)").
    static let uncatalogued = GenProcedureSpec(code: "1.012345", name: "Thủ tục thí điểm chưa công bố", sector: "",
                                               tiers: [], department: nil, days: 5, fee: 0)

    // Place-name syllables: districts and communes are named by pairs of them.
    static let placeFirst = ["Quảng", "Hoằng", "Nga", "Hà", "Tĩnh", "Thiệu", "Yên", "Đông", "Triệu", "Thọ", "Vĩnh",
                             "Nông", "Cẩm", "Thạch", "Ngọc", "Như", "Lang", "Bá", "Quan", "Hải", "Tân", "Trúc",
                             "Minh", "Xuân", "Phú", "An", "Đức", "Hợp", "Hậu", "Kim", "Lam", "Mỹ", "Nam", "Phúc",
                             "Tế", "Thái", "Thuận", "Trung", "Vạn", "Cao"]
    static let placeSecond = ["Bình", "Định", "Phong", "Đạo", "Sơn", "Hòa", "Trường", "Lâm", "Thành", "Lộc", "Tiến",
                              "Hưng", "Thịnh", "Long", "Khê", "Giang", "Châu", "Ninh", "Vân", "Lợi", "Xương", "Hóa",
                              "Thủy", "Tâm", "Quang", "Thắng", "Lương", "Nguyên", "Cường", "Khánh", "Lạc", "Đồng",
                              "Tường", "Chính", "Hiệp", "Thượng", "Điền", "Mậu", "Vinh", "Trạch"]
    static let ho = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
                     "Ngô", "Dương", "Lý", "Mai", "Trịnh", "Lương", "Đinh"]
    static let dem = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Quốc", "Xuân", "Thu", "Hoài"]
    static let ten = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Hương", "Khánh",
                      "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Thủy",
                      "Trang", "Tuấn", "Việt", "Yến", "Đạt", "Ánh"]
    static let hamlets = ["Thôn 1", "Thôn 2", "Thôn 3", "Thôn Đông", "Thôn Tây", "Khu phố 4", "Tiểu khu Bắc Sơn",
                          "Xóm Mới", "Thôn Trung Hòa", "Khu phố Hải Thượng", "Số 12 đường Lê Lợi", "Ngõ 5 phố Trần Phú"]
    static let companyKinds = ["Công ty TNHH Thương mại", "Công ty Cổ phần Xây dựng", "Công ty TNHH Du lịch",
                               "Doanh nghiệp tư nhân", "Công ty TNHH MTV Vận tải", "Hợp tác xã Nông nghiệp",
                               "Công ty Cổ phần Dược phẩm", "Công ty TNHH In và Quảng cáo"]
    static let documents = ["Tờ khai", "Bản sao Căn cước công dân", "Giấy ủy quyền", "Bản vẽ thiết kế",
                            "Giấy chứng nhận quyền sử dụng đất", "Hợp đồng chuyển nhượng", "Giấy chứng sinh",
                            "Điều lệ công ty", "Danh sách thành viên", "Văn bản đề nghị"]
}

/// One unit as the generator uses it.
struct GenUnit: Sendable {
    let code: String
    let name: String
    let tier: String            // tinh, so_nganh, huyen, xa; so_nganh for the unit left out of units.csv
    let parent: String
    let inCatalog: Bool
    let weight: Double
    let sectors: [String]?      // the sectors it handles; nil = all of its tier's
    let codeBytes: [UInt8]
    let nameText: GenText
    let placeText: GenText      // where its residents live: "xã Quảng Bình, huyện Quảng Xương"; empty for tinh-level units
    var residentPlaces: [Int]   // units whose placeText addresses may use (its communes, or every commune)
    var eligible: [(procedure: Int, level: Int)] = []
}

/// One catalog procedure as records write it.
struct GenProcedure: Sendable {
    let code: [UInt8]
    let name: GenText
    let subject: GenText        // the name's first 60 characters (TrichYeuHoSo)
    let sectorCode: [UInt8]
    let sectorName: GenText
    let business: Bool
    let days: Int
    let fee: Int
}

/// The province for one `generate` run: units (the unknown one last), catalog rows, procedures.
struct Province: Sendable {
    var units: [GenUnit] = []
    var procedures: [GenProcedure] = []   // the catalog's, then the uncatalogued one last
    var catalogRows: [(procedure: Int, tier: String, level: Int, unitCode: String)] = []
    var unitRank: [Int] = []              // position of each unit's code in bytewise order
    let hamlets = ProvinceTables.hamlets.map(GenText.init)
    let ho = ProvinceTables.ho.map(GenText.init)
    let dem = ProvinceTables.dem.map(GenText.init)
    let ten = ProvinceTables.ten.map(GenText.init)
    let companyKinds = ProvinceTables.companyKinds.map(GenText.init)
    let documents = ProvinceTables.documents.map(GenText.init)
    var placeNames: [GenText] = []        // "Quảng Bình", … (company names)
    let provinceText = GenText(", tỉnh " + ProvinceTables.provinceName)

    var uncataloguedIndex: Int { procedures.count - 1 }
    var unknownUnitIndex: Int { units.count - 1 }

    /// Grows a province of `count` units (4…5000) from `rng`.
    init(units count: Int, rng: inout GenRandom) {
        let T = ProvinceTables.self
        let h56 = T.provinceCode
        var pool: [(Int, Int)] = []
        for i in T.placeFirst.indices { for j in T.placeSecond.indices where T.placeFirst[i] != T.placeSecond[j] { pool.append((i, j)) } }
        rng.shuffle(&pool)
        var poolNext = 0
        func placeName() -> String {
            let (i, j) = pool[poolNext % pool.count]
            poolNext += 1
            return T.placeFirst[i] + " " + T.placeSecond[j]
        }
        placeNames = (0..<64).map { _ in GenText(placeName()) }

        let departments = min(T.departments.count, max(1, (count + 2) / 5))
        let rest = count - 1 - departments
        var districts = min(78, max(1, Int((0.9 * Double(rest).squareRoot()).rounded())))
        districts = min(districts, rest)
        let communes = rest - districts
        var perDistrict = [Int](repeating: communes / districts, count: districts)
        var order = Array(0..<districts)
        rng.shuffle(&order)
        for k in 0..<(communes % districts) { perDistrict[order[k]] += 1 }
        for _ in 0..<districts {
            let a = rng.below(districts), b = rng.below(districts), k = rng.int(0, perDistrict[a] / 3)
            if perDistrict[b] + k <= 99 { perDistrict[a] -= k; perDistrict[b] += k }
        }

        func unit(_ code: String, _ name: String, _ tier: String, _ parent: String, _ weight: Double,
                  _ sectors: [String]?, place: String, inCatalog: Bool = true) -> GenUnit {
            GenUnit(code: code, name: name, tier: tier, parent: parent, inCatalog: inCatalog, weight: weight,
                    sectors: sectors, codeBytes: Array(code.utf8), nameText: GenText(name),
                    placeText: GenText(place), residentPlaces: [])
        }
        let root = "000.00.00.\(h56)"
        var us: [GenUnit] = [unit(root, "UBND tỉnh \(T.provinceName)", "tinh", "", 0.6, T.rootSectors, place: "")]
        for d in T.departments.prefix(departments) {
            us.append(unit(String(format2("000.00.", d.number, ".\(h56)")), d.name, "so_nganh", root,
                           d.weight * rng.uniform(0.8, 1.2), d.sectors, place: ""))
        }
        var communeIndices: [Int] = []
        for i in 0..<districts {
            let number = i < 11 ? 20 + i : 21 + i   // 20…30, 32…98 (31 is the unit left out of units.csv)
            let kind = (i == 0 && districts >= 4) ? "thành phố" : (i == districts - 1 && districts >= 3) ? "thị xã" : "huyện"
            let dname = placeName()
            let dcode = format2("000.00.", number, ".\(h56)")
            let dIndex = us.count
            us.append(unit(dcode, "UBND \(kind) \(dname)", "huyen", root, rng.uniform(3.5, 5.5), nil, place: "\(kind) \(dname)"))
            var children: [Int] = []
            for c in 0..<perDistrict[i] {
                let cname = placeName()
                let ckind: String
                if kind == "huyện" { ckind = (c == 0 && rng.chance(0.4)) ? "thị trấn" : "xã" } else { ckind = rng.chance(0.7) ? "phường" : "xã" }
                let ccode = format2("000.", c + 1, "." + String(dcode.dropFirst(7)))
                children.append(us.count)
                communeIndices.append(us.count)
                us.append(unit(ccode, "UBND \(ckind) \(cname)", "xa", dcode, rng.uniform(1.5, 3.5), nil,
                               place: "\(ckind) \(cname), \(kind) \(dname)"))
            }
            us[dIndex].residentPlaces = children.isEmpty ? [dIndex] : children
        }
        let k = T.unknownUnit
        us.append(unit(k.code, k.name, "so_nganh", "", k.weight, k.sectors, place: "", inCatalog: false))
        let fallback = communeIndices.isEmpty ? us.indices.filter { us[$0].tier == "huyen" } : communeIndices
        for i in us.indices where us[i].residentPlaces.isEmpty { us[i].residentPlaces = us[i].tier == "xa" ? [i] : fallback }

        // The catalog: every huyen and xa row; tinh rows of sectors some provincial unit handles,
        // and a department's own rows only when it exists.
        let present = Set(us.filter { $0.tier == "tinh" || $0.tier == "so_nganh" }.flatMap { $0.sectors ?? [] })
        let sectorByCode = Dictionary(uniqueKeysWithValues: T.sectors.map { ($0.code, $0) })
        for spec in T.procedures + [T.uncatalogued] {
            let s = sectorByCode[spec.sector]
            let words = Array(spec.name)
            procedures.append(GenProcedure(code: Array(spec.code.utf8), name: GenText(spec.name),
                                           subject: GenText(String(words.prefix(60))),
                                           sectorCode: Array(spec.sector.utf8), sectorName: GenText(s?.name ?? ""),
                                           business: s?.business ?? false, days: spec.days, fee: spec.fee))
        }
        for (pi, spec) in T.procedures.enumerated() {
            for (tier, level) in spec.tiers {
                var unitCode = ""
                if tier == "tinh" {
                    guard present.contains(spec.sector) else { continue }
                    if let dn = spec.department {
                        unitCode = format2("000.00.", dn, ".\(h56)")
                        guard us.contains(where: { $0.code == unitCode }) else { continue }
                    }
                }
                catalogRows.append((pi, tier, level, unitCode))
            }
        }
        for i in us.indices {
            let ctier = us[i].tier == "xa" || us[i].tier == "huyen" ? us[i].tier : "tinh"
            us[i].eligible = catalogRows.filter { row in
                row.tier == ctier && (row.unitCode.isEmpty || row.unitCode == us[i].code)
                    && (us[i].sectors.map { $0.contains(T.procedures[row.procedure].sector) } ?? true)
            }.map { ($0.procedure, $0.level) }
            precondition(!us[i].eligible.isEmpty, "no procedure for \(us[i].code)")
        }
        units = us
        let sorted = us.indices.sorted { us[$0].codeBytes.lexicographicallyPrecedes(us[$1].codeBytes) }
        unitRank = [Int](repeating: 0, count: us.count)
        for (r, i) in sorted.enumerated() { unitRank[i] = r }
    }

    /// units.csv (SPEC §2.5): the tree without the unknown unit.
    func unitsCSV() -> String {
        var s = "unit_code,unit_name,tier,parent_code\n"
        for u in units where u.inCatalog { s += "\(u.code),\(csvCell(u.name)),\(u.tier),\(u.parent)\n" }
        return s
    }

    /// procedures.csv (SPEC §2.5), one row per procedure and tier.
    func proceduresCSV() -> String {
        var s = "procedure_code,procedure_name,sector_code,sector_name,tier,service_level,unit_code\n"
        let sectorByCode = Dictionary(uniqueKeysWithValues: ProvinceTables.sectors.map { ($0.code, $0.name) })
        for row in catalogRows {
            let p = ProvinceTables.procedures[row.procedure]
            s += "\(p.code),\(csvCell(p.name)),\(p.sector),\(csvCell(sectorByCode[p.sector]!)),\(row.tier),\(row.level),\(row.unitCode)\n"
        }
        return s
    }
}

private func format2(_ head: String, _ n: Int, _ tail: String) -> String { head + (n < 10 ? "0\(n)" : "\(n)") + tail }

private func csvCell(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}
