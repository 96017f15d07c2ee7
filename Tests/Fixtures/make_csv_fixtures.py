#!/usr/bin/env python3
"""Writes the inputs of the `csv_*` fixture cases (SPEC §2.3) with exact bytes: BOM, CRLF,
bare CR, quoted line breaks, NFD header names and labels, tab and `;` delimiters, a last
record without a line terminator, blank lines before the header row.

The files it writes are committed; this script exists so that a reviewer can read their
content here and re-create them. It computes no expected output: every reason and every
line number below is written by hand (see each case's expected/NOTES.md). The script only
checks that the hand-written line number of each record is the physical line on which the
record starts (1 + the number of LF bytes before it), then writes expected/rejects.tsv
from the hand-assigned reasons. counters.csv, accounting.json and NOTES.md are hand-written
files that this script does not touch.

Run from anywhere:  python3 Tests/Fixtures/make_csv_fixtures.py
"""
import gzip
import os
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")

BOM = "\ufeff".encode()
BLANK = "BLANK"


def nfd(s: str) -> str:
    d = unicodedata.normalize("NFD", s)
    assert d != unicodedata.normalize("NFC", s), f"NFD does not change {s!r}"
    return d


def write(path: str, data: bytes) -> None:
    path = os.path.join(CASES, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def csv_file(header: str, rows, eol: str = "\n", bom: bool = False, final_eol: bool = True,
             blank_before_header: int = 0):
    """rows: list of BLANK or (record text without terminator, hand line, hand reason|None).
    blank_before_header: that many blank lines (just `eol`) before the header row.
    Returns (bytes, [(line, reason)] of the rejected records in order)."""
    out = bytearray(BOM if bom else b"")
    out += eol.encode() * blank_before_header
    out += header.encode() + eol.encode()
    rejects = []
    for i, r in enumerate(rows):
        last = i == len(rows) - 1
        term = b"" if (last and not final_eol) else eol.encode()
        if r == BLANK:
            out += term
            continue
        text, hand_line, reason = r
        physical = out.count(b"\n") + 1
        assert physical == hand_line, f"record {text!r}: hand line {hand_line}, physical {physical}"
        out += (text if isinstance(text, bytes) else text.encode()) + term
        if reason is not None:
            rejects.append((hand_line, reason))
    return bytes(out), rejects


def tsv(case: str, entries) -> None:
    """entries: [(file path relative to the pipeline dir, [(line, reason)])] in input order."""
    lines = []
    for path, rejs in entries:
        for line, reason in rejs:
            lines.append(f"{path}\t{line}\t{reason}\n")
    write(f"{case}/expected/rejects.tsv", "".join(lines).encode())


FULL_HEADER = ("Mã hồ sơ,Mã đơn vị,Mã TTHC,Mã lĩnh vực,Kênh thực hiện,Mức độ,Trạng thái,"
               "Ngày tiếp nhận,Ngày hẹn trả,Ngày kết thúc xử lý,Ngày trả kết quả,"
               "Hình thức trả kết quả,Thanh toán trực tuyến,Số hóa,Có phí,Có kết quả điện tử")


# ---------------------------------------------------------------------------------------
# csv_basic: default headers (plus two ignored columns), LF, codes as digits, date forms.
# Columns: STT, Mã hồ sơ, Mã đơn vị, Tên thủ tục, Mã TTHC, Mã lĩnh vực, Kênh thực hiện,
# Mức độ, Trạng thái, Ngày tiếp nhận, Ngày hẹn trả, Ngày kết thúc xử lý, Ngày trả kết quả,
# Hình thức trả kết quả, Thanh toán trực tuyến, Số hóa, Có phí, Có kết quả điện tử
def csv_basic() -> None:
    header = ("STT,Mã hồ sơ,Mã đơn vị,Tên thủ tục,Mã TTHC,Mã lĩnh vực,Kênh thực hiện,Mức độ,"
              "Trạng thái,Ngày tiếp nhận,Ngày hẹn trả,Ngày kết thúc xử lý,Ngày trả kết quả,"
              "Hình thức trả kết quả,Thanh toán trực tuyến,Số hóa,Có phí,Có kết quả điện tử")
    U1, U2 = "000.00.01.H56", "000.00.02.H56"
    rows = [
        (f'1,B01,{U1},"Cấp phép, gia hạn",1.001757.000.00.00.H56,G01,2,4,10,01/03/2024 08:00:00,'
         f'10/03/2024 17:00:00,05/03/2024 10:00:00,06/03/2024,1,1,1,1,1', 2, None),
        (f'2,B02,{U1},Khai sinh,1.001193,G02,1,3,9,02/03/2024,08/03/2024,08/03/2024 16:30:00,'
         f',,,0,0,0', 3, None),
        (f'3,B03,{U1},Đăng ký kết hôn,,,3,2,4,03/03/2024 09:15,20/03/2024,,,,0,0,1,', 4, None),
        (f'4,B04,{U1},,,,2,4,5,20240304080000,20240305170000,,,,,,,', 5, None),
        (f'5,B05,{U1},,,,,,02,2024-03-05,2024-04-05,,,,,,,', 6, None),
        (f'6,B06,{U1},,,,1,,10,20/02/2024 08:00:00,01/03/2024 17:00:00,04/03/2024 10:00:00,'
         f'04/03/2024 15:00:00,0,,,,1', 7, None),
        (f'7,B07,{U1},,,,2,,7,2024-02-29T17:30:00Z,15/03/2024,2024-03-12 09:00:00,,,,,,', 8, None),
        (f'8,B08,{U1},,,,1,,3,11/03/2024,,,,,,,,', 9, None),
        (f'9,B09,{U1},,,,1,,4,12/03/2024 08:00:00,13/03/2024 17:00:00,,,,,,,', 10, None),
        (f'10,000.00.01.H56-240315-0010,,,,,2,,2,15/03/2024 10:00:00,,,,,2,,1,', 11, None),
        (f'11,B11,{U1},,,,2,,2,20240401,,,,,,,,', 12, None),
        (f'12,B12,{U1},,,,1,,10,20/02/2024,29/02/2024,2024-02-28,01/03/2024 08:00,1,,,,', 13, None),
        (f'13,B09,{U1},,,,1,,9,12/03/2024 08:00:00,13/03/2024 17:00:00,14/03/2024 11:00:00,'
         f',,,,,', 14, None),
        (f'14,B13,{U2},,,,1,,4,25/03/2024 14:00:00,,,,,,,,', 15, None),
    ]
    data, rej = csv_file(header, rows)
    assert rej == []
    for text, _, _ in rows:
        assert len(text.replace('"Cấp phép, gia hạn"', "x").split(",")) == 18, text
    write("csv_basic/data/hoso-2024-03.csv", data)
    tsv("csv_basic", [])


# ---------------------------------------------------------------------------------------
# csv_quirks: BOM, CRLF, quoted delimiters / "" / line breaks, blank lines, trimming, a bare
# CR inside a cell, a last record without a line terminator.
# Columns: Mã hồ sơ, Mã đơn vị, Kênh thực hiện, Trạng thái, Ngày tiếp nhận, Ngày hẹn trả,
# Ngày kết thúc xử lý, Ghi chú
def csv_quirks() -> None:
    header = ("Mã hồ sơ,Mã đơn vị,Kênh thực hiện,Trạng thái,Ngày tiếp nhận,Ngày hẹn trả,"
              "Ngày kết thúc xử lý,Ghi chú")
    V, X = "000.00.01.H56", "000.00.09.H56"
    rows = [
        (f'Q01,{V},2,4,01/03/2024,10/03/2024,,"Nộp hồ sơ, bổ sung ""bản sao"""', 2, None),
        BLANK,                                                                     # line 3
        (f'Q02,{V},1,10,02/03/2024,05/03/2024,04/03/2024,"dòng 1\r\ndòng 2\r\ndòng 3"', 4, None),
        (f'Q03,{X},1,4,31/02/2024,,,"x, y"', 7, "invalid_value:NgayTiepNhan"),
        BLANK,                                                                     # line 8
        BLANK,                                                                     # line 9
        (f'Q04,{V},3,"\r\n9\r\n",03/03/2024,10/03/2024,09/03/2024,', 10, None),
        (f'Q05,{X},5,4,03/03/2024,,,', 13, "invalid_value:KenhThucHien"),
        (f'Q06,{V},2,2,04/03/2024,,,"đầu\r\n\r\ncuối"', 14, None),
        (f',{X},1,2,04/03/2024,,,', 17, "missing_field:MaHoSo"),
        (f'"Q07\r\n",{V},1,4,05/03/2024,,,', 18, None),
        (f'Q07,{V},1,9,05/03/2024,07/03/2024,08/03/2024,', 20, None),
        (f'  Q08 , {V} , 2 , 10 , 06/03/2024 08:00:00 , 06/03/2024 , 06/03/2024 , ghi chú  ', 21, None),
        (f'"Q09","{V}"," 3 ","4"," 07/03/2024 ","",""," "', 22, None),
        (f'Q10\t,{V},\t1,5,08/03/2024,01/03/2024,,', 23, None),
        (f'Q11,{V},2\r,2,09/03/2024,,,a\rb', 24, None),
        (f'Q13,{X},1,11,10/03/2024,,,"a\r\nb"', 25, "invalid_value:TrangThaiHoSo"),
        (f'Q12,{V},1,10,10/03/2024,10/03/2024,12/03/2024,"cuối\r\nfile"', 27, None),
    ]
    data, rej = csv_file(header, rows, eol="\r\n", bom=True, final_eol=False)
    assert data.count(b"\n") + 1 == 28 and not data.endswith(b"\n")
    write("csv_quirks/data/quirks.csv", data)
    tsv("csv_quirks", [("data/quirks.csv", rej)])


# ---------------------------------------------------------------------------------------
# csv_nfd_headers_labels: NFD header names with spaces and mixed case; Vietnamese labels
# (some NFD, some upper/lower case) for channel, status and return channel; booleans.
def csv_nfd_headers_labels() -> None:
    names = ["  MÃ HỒ SƠ ", "mã đơn vị", "KÊNH THỰC HIỆN  ", " trạng THÁI", "Ngày Tiếp Nhận",
             "NGÀY HẸN TRẢ", "ngày kết thúc xử lý", "Ngày trả kết quả ", "HÌNH THỨC TRẢ KẾT QUẢ",
             "thanh toán TRỰC TUYẾN", "SỐ HOÁ", "có phí", "Có Kết Quả Điện Tử"]
    header = ",".join(nfd(n) for n in names)
    V, X = "000.00.01.H56", "000.00.09.H56"

    def row(i, unit, ch="", st="", recv="", due="", end="", ret="", ht="", tt="", sohoa="",
            cophi="", kq=""):
        return ",".join([i, unit, ch, st, recv, due, end, ret, ht, tt, sohoa, cophi, kq])

    rows = [
        (row("N01", V, "Trực tuyến", "Đã trả kết quả", "01/03/2024", "10/03/2024", "05/03/2024",
             "06/03/2024", "Bưu chính", "1", "Có", "TRUE", "1"), 2, None),
        (row("N02", V, nfd("Bưu chính công ích"), nfd("Đang xử lý"), "02/03/2024", "20/03/2024",
             sohoa="Không", cophi="false", kq="0"), 3, None),
        (row("N03", V, "BCCI", "Yêu cầu bổ sung giấy tờ", "03/03/2024", "04/03/2024", tt="0",
             sohoa="KHÔNG", cophi=nfd("CÓ")), 4, None),
        (row("N91", X, "Trực tuyến", "Đang xử lý", "10/03/2024", sohoa="01"),
         5, "invalid_value:HoSoCoThanhPhanSoHoa"),
        (row("N04", V, "bcci", "ĐÃ XỬ LÝ XONG", "04/03/2024", "07/03/2024", "08/03/2024",
             "09/03/2024", "Trực tiếp", sohoa="1", cophi="0", kq="true"), 6, None),
        (row("N05", V, "TRỰC TIẾP", nfd("được tiếp nhận"), "05/03/2024"), 7, None),
        (row("N92", X, "Qua BCCI", "Đang xử lý", "10/03/2024"), 8, "invalid_value:KenhThucHien"),
        (row("N06", V, nfd("trực tuyến"), "Mới đăng ký"), 9, None),
        (row("N07", V, "", "KHÔNG ĐƯỢC TIẾP NHẬN", "06/03/2024"), 10, None),
        (row("N08", V, "Trực tiếp", "Công dân yêu cầu rút hồ sơ", "06/03/2024", "10/03/2024",
             "07/03/2024"), 11, None),
        (row("N93", X, "Trực tiếp", "Đang xử lý", "10/03/2024", ret="10/03/2024",
             ht="Bưu chính công ích"), 12, "invalid_value:HinhThuc"),
        (row("N09", V, "  Trực tuyến  ", "Dừng xử lý", "07/03/2024", "07/03/2024", "08/03/2024"),
         13, None),
        (row("N10", V, "Trực tuyến", "Yêu cầu thực hiện nghĩa vụ tài chính", "08/03/2024",
             "09/03/2024", tt="2", cophi=nfd("Có")), 14, None),
        (row("N94", X, "Trực tiếp", "Đang xử lý", "10/03/2024", cophi="yes"),
         15, "invalid_value:DanhSachLePhi"),
        (row("N95", X, "Trực tiếp", "Đang xử lý", "10/03/2024", kq="2"),
         16, "invalid_value:DanhSachGiayToKetQua"),
        (row("N11", V, nfd("Trực tiếp"), "DONE", "09/03/2024", "09/03/2024", "09/03/2024",
             "10/03/2024", nfd("BƯU CHÍNH")), 17, None),
        (row("N96", X, "Qua mạng", "Đang xử lí", "10/03/2024", sohoa="01"),
         18, "invalid_value:TrangThaiHoSo"),
        (row("N97", X, "4", "Đang xử lý", "10/03/2024", cophi="x"), 19, "invalid_value:KenhThucHien"),
        (row("N98", X, "Trực tuyến", "Đang xử lý", "10/03/2024", tt="4", sohoa="01", cophi="yes",
             kq="2"), 20, "invalid_value:DuocThanhToanTrucTuyen"),
    ]
    data, rej = csv_file(header, rows)
    write("csv_nfd_headers_labels/data/hoso.csv", data)
    tsv("csv_nfd_headers_labels", [("data/hoso.csv", rej)])


# ---------------------------------------------------------------------------------------
# csv_semicolon_tab: a `;` file and a tab file (columns override dossier_id: "So ho so",
# date_format pinned to dd/MM/yyyy).
def csv_semicolon_tab() -> None:
    h1 = ("Mã hồ sơ;Mã đơn vị;Tên thủ tục;Kênh thực hiện;Trạng thái;Ngày tiếp nhận;Ngày hẹn trả;"
          "Ngày kết thúc xử lý;Có phí;Thanh toán trực tuyến")
    rows1 = [
        ("000.00.01.H56-240301-0001;000.00.01.H56;Cấp giấy phép, gia hạn;2;10;01/03/2024 08:00:00;"
         "05/03/2024 17:00:00;05/03/2024 09:00:00;1;1", 2, None),
        ('000.00.01.H56-240302-0002;000.00.01.H56;"Thủ tục; có dấu chấm phẩy";1;4;02/03/2024;;;0;',
         3, None),
        ("000.00.01.H56-240303-0003;000.00.01.H56;x;1;4;03/03/2024;04/03/2024;;;", 4, None),
        ("000.00.09.H56-240305-0005,000.00.09.H56,x,1,4,05/03/2024,,,,", 5, "malformed_csv"),
        ("000.00.01.H56-240304-0004;000.00.01.H56;y,z;3;2;04/03/2024;;;Có;2", 6, None),
    ]
    d1, r1 = csv_file(h1, rows1)
    h2 = "\t".join(["So ho so", "Mã hồ sơ", "Kênh thực hiện", "Trạng thái", "Ngày tiếp nhận",
                    "Ngày hẹn trả", "Ngày kết thúc xử lý", "Hình thức trả kết quả",
                    "Ngày trả kết quả"])
    T = "\t".join
    rows2 = [
        (T(["000.00.01.H56-240303-0003", "GARBAGE-1", "2", "9", "03/03/2024", "06/03/2024",
            "05/03/2024", "1", "06/03/2024"]), 2, None),
        (T(["000.00.01.H56-240306-0006", "GARBAGE-2", "1", "10", "06/03/2024", "10/03/2024",
            "12/03/2024", "0", "12/03/2024"]), 3, None),
        (T(["000.00.02.H56-240307-0007", "", "3", "4", "07/03/2024", "", "", "", ""]), 4, None),
        (T(["000.00.09.H56-240308-0008", "", "1", "4", "08/03/2024", "2024-03-12", "", "", ""]),
         5, "invalid_value:NgayHenTra"),
        (T(["000.00.09.H56-240309-0009", "", "1", "4", "12/03/2024 08:00", "", "", "", ""]),
         6, "invalid_value:NgayTiepNhan"),
        (T(["", "000.00.09.H56-240310-0010", "1", "2", "10/03/2024", "", "", "", ""]),
         7, "missing_field:MaHoSo"),
        (T(["000.00.01.H56-240310-0011", "000.00.01.H56-240301-0001", "2", "2", "10/03/2024",
            "", "", "", ""]), 8, None),
    ]
    d2, r2 = csv_file(h2, rows2)
    write("csv_semicolon_tab/data/a-semicolon.csv", d1)
    write("csv_semicolon_tab/data/b-tab.tsv", d2)
    tsv("csv_semicolon_tab", [("data/a-semicolon.csv", r1), ("data/b-tab.tsv", r2)])


# ---------------------------------------------------------------------------------------
# csv_malformed: field counts, text after a closing quote, literal quotes in unquoted
# fields, a quote left open at end of file.
def csv_malformed() -> None:
    header = "Mã hồ sơ,Mã đơn vị,Kênh thực hiện,Trạng thái,Ngày tiếp nhận,Ngày hẹn trả,Ghi chú"
    V, X = "000.00.01.H56", "000.00.09.H56"
    rows = [
        (f"M01,{V},1,4,01/03/2024,,", 2, None),
        (f"M02,{X},1,4,01/03/2024,,,extra", 3, "malformed_csv"),
        (f"M03,{X},1,4,01/03/2024", 4, "malformed_csv"),
        ("M04", 5, "malformed_csv"),
        BLANK,                                                                     # line 6
        (",,,,,,", 7, "missing_field:MaHoSo"),
        (f'"M05"x,{X},1,4,01/03/2024,,', 8, "malformed_csv"),
        (f'M06,{X},1,4,01/03/2024,,"ghi ""chú"" "x', 9, "malformed_csv"),
        (f'M07,{V},2,4,02/03/2024,,ab"c"d', 10, None),
        (f'M"08",{V},3,2,03/03/2024,,5" màn hình', 11, None),
        (f'M10,{X},1,2,04/03/2024,,say "hi, there"', 12, "malformed_csv"),
        (f'"M11","{V}","1","4","04/03/2024","05/04/2024","a ""q"", b"', 13, None),
        # the quote opened here is never closed: the record runs to the end of the file and
        # swallows the line that looks like a valid M13
        (f'M12,{X},1,4,05/03/2024,,"never closed\nM13,{V},1,4,06/03/2024,,', 14, "malformed_csv"),
    ]
    data, rej = csv_file(header, rows)
    assert data.endswith(b"06/03/2024,,\n") and data.count(b"\n") == 15
    write("csv_malformed/data/malformed.csv", data)
    tsv("csv_malformed", [("data/malformed.csv", rej)])


# ---------------------------------------------------------------------------------------
# csv_header_problems: a good file, a header without the status column, a header naming
# digitized twice, a malformed header row, a header-only file.
def csv_header_problems() -> None:
    V, X = "000.00.01.H56", "000.00.09.H56"
    d0, r0 = csv_file(
        "Mã hồ sơ,Mã đơn vị,Kênh thực hiện,Trạng thái,Ngày tiếp nhận,Ngày kết thúc xử lý,Ngày hẹn trả", [
            (f"D01,{V},2,4,01/03/2024,,", 2, None),
            (f"D02,{V},1,10,02/03/2024,04/03/2024,05/03/2024", 3, None),
            (f"D03,{V},3,2,03/03/2024,,", 4, None),
        ])
    da, ra = csv_file("Mã hồ sơ,Mã đơn vị,Kênh thực hiện,Tình trạng,Ngày tiếp nhận", [
        (f"D01,{V},1,10,05/03/2024", 2, "missing_field:TrangThaiHoSo"),
        (f",{X},1,4,05/03/2024", 3, "missing_field:MaHoSo"),
        ("H02-x,,1,4,05/03/2024", 4, "missing_field:MaDonVi"),
        (f"H03,{X},9,4,05/03/2024", 5, "missing_field:TrangThaiHoSo"),
        (f"H04,{X},1,4,05/03/2024,extra", 6, "malformed_csv"),
    ])
    db, rb = csv_file("Mã hồ sơ,Mã đơn vị,Kênh thực hiện,Trạng thái,Ngày tiếp nhận,Số hóa,Số hoá", [
        (f"D02,{V},1,4,06/03/2024,1,1", 2, "malformed_csv"),
        BLANK,                                                                     # line 3
        (f"H05,{X},2,2,06/03/2024,0,0", 4, "malformed_csv"),
        (f"H06,{X},2,2", 5, "malformed_csv"),
    ])
    assert "Số hóa" != "Số hoá" and unicodedata.is_normalized("NFC", "Số hóa,Số hoá")
    dc, rc = csv_file('Mã hồ sơ,"Mã đơn vị"x,Kênh thực hiện,Trạng thái,Ngày tiếp nhận', [
        (f"D03,{V},1,9,07/03/2024", 2, "malformed_csv"),
        (f"H07,{X},1,2,07/03/2024", 3, "malformed_csv"),
    ])
    dd = "Mã hồ sơ,Trạng thái".encode()   # header only, no LF
    write("csv_header_problems/data/0-ok.csv", d0)
    write("csv_header_problems/data/a-no-status.csv", da)
    write("csv_header_problems/data/b-twice.csv", db)
    write("csv_header_problems/data/c-bad-header.csv", dc)
    write("csv_header_problems/data/d-header-only.csv", dd)
    tsv("csv_header_problems", [("data/0-ok.csv", r0), ("data/a-no-status.csv", ra),
                                ("data/b-twice.csv", rb), ("data/c-bad-header.csv", rc)])


# ---------------------------------------------------------------------------------------
# csv_mixed_with_ndjson: ndjson, csv, ndjson in input order; latest wins across formats.
def csv_mixed_with_ndjson() -> None:
    a = (
        '{"MaHoSo":"MX-01","MaDonVi":"000.00.01.H56","KenhThucHien":2,"TrangThaiHoSo":4,'
        '"NgayTiepNhan":"20240301080000","NgayHenTra":"20240305170000"}\n'
        '{"MaHoSo":"MX-02","MaDonVi":"000.00.01.H56","KenhThucHien":1,"TrangThaiHoSo":2,'
        '"NgayTiepNhan":"20240301090000"}\n'
        '{"MaHoSo":"MX-05","MaDonVi":"000.00.01.H56","KenhThucHien":1,"TrangThaiHoSo":9,'
        '"NgayTiepNhan":"20240301100000","NgayHenTra":"20240304170000","NgayKetThucXuLy":"20240303100000",'
        '"NgayTra":"20240304090000","HinhThuc":1,"DanhSachGiayToKetQua":[{"DuongDanTepTinKetQua":"kq/mx-05.pdf"}]}\n'
    )
    header = ("Mã hồ sơ,Mã đơn vị,Kênh thực hiện,Trạng thái,Ngày tiếp nhận,Ngày hẹn trả,"
              "Ngày kết thúc xử lý,Ngày trả kết quả,Hình thức trả kết quả,Thanh toán trực tuyến,"
              "Số hóa,Có phí,Có kết quả điện tử")
    b, rb = csv_file(header, [
        ("MX-01,000.00.01.H56,Trực tuyến,Đã trả kết quả,01/03/2024 08:00:00,05/03/2024 17:00:00,"
         "02/03/2024 15:00:00,,,,,,", 2, None),
        ("MX-02,000.00.01.H56,1,99,01/03/2024 09:00:00,,,,,,,,", 3, "invalid_value:TrangThaiHoSo"),
        ("MX-03,000.00.01.H56,3,4,02/03/2024 08:00:00,03/03/2024 17:00:00,,,,,,,", 4, None),
        ("MX-04,000.00.01.H56,2,2,02/03/2024 09:00:00,,,,,1,1,1,", 5, None),
        ("MX-05,000.00.01.H56,1,10,01/03/2024 10:00:00,04/03/2024 17:00:00,03/03/2024 10:00:00,"
         "05/03/2024 09:00:00,0,,,,", 6, None),
    ])
    c = ('{"MaHoSo":"MX-03","MaDonVi":"000.00.01.H56","KenhThucHien":3,"TrangThaiHoSo":9,'
         '"NgayTiepNhan":"20240302080000","NgayHenTra":"20240302170000","NgayKetThucXuLy":"20240303100000"}\n')
    write("csv_mixed_with_ndjson/data/a-2024-03-01.ndjson", a.encode())
    write("csv_mixed_with_ndjson/data/b-2024-03-02.csv", b)
    write("csv_mixed_with_ndjson/data/c-2024-03-03.ndjson", c.encode())
    tsv("csv_mixed_with_ndjson", [("data/b-2024-03-02.csv", rb)])


# ---------------------------------------------------------------------------------------
# csv_line_too_long: max_line_bytes 150; over-long records (single-line, quoted multi-line,
# quoted with `,""` and a line break in the skipped part, invalid UTF-8, a literal quote in
# an unquoted field) must each end where they would have (SPEC §3.5), so the record after
# each one is read normally.
def csv_line_too_long() -> None:
    header = "Mã hồ sơ,Mã đơn vị,Kênh thực hiện,Trạng thái,Ngày tiếp nhận,Ghi chú"
    assert len(header.encode()) < 150
    V, X = "000.00.01.H56", "000.00.09.H56"
    rows = [
        (f"L01,{V},1,4,01/03/2024,short", 2, None),
        (f"L02,{X},1,4,01/03/2024," + "a" * 200, 3, "line_too_long"),
        (f"L03,{V},2,4,02/03/2024,x", 4, None),
        (f'L04,{X},1,4,02/03/2024,"' + "b" * 100 + "\n" + "c" * 100 + '\nd"', 5, "line_too_long"),
        (f"L05,{V},3,4,03/03/2024,y", 8, None),
        (f'L06,{X},1,4,03/03/2024,"' + "e" * 200 + ',""\nf"', 9, "line_too_long"),
        (f"L07,{V},1,4,04/03/2024,z", 11, None),
        (f"L08,{X},1,4,04/03/2024,".encode() + b"\xff" * 200, 12, "line_too_long"),
        (f'L09,{V},2,4,05/03/2024,"g\nh"', 13, None),
        (f'L10,{X},1,4,05/03/2024,ab"' + "i" * 200, 15, "line_too_long"),
        (f"L11,{V},1,2,06/03/2024,", 16, None),
    ]
    for text, _, reason in rows:
        n = len(text if isinstance(text, bytes) else text.encode())
        assert (n - text.count(b"\n" if isinstance(text, bytes) else "\n") > 200) if reason else (n < 100), (n, reason)  # far from the limit either way
    data, rej = csv_file(header, rows)
    write("csv_line_too_long/data/long.csv", data)
    tsv("csv_line_too_long", [("data/long.csv", rej)])


# ---------------------------------------------------------------------------------------
# csv_gzip: a 2-member gzip CSV (BOM + CRLF inside; a quoted line break that spans the member
# boundary), max_line_bytes 150 while the decompressed file (and member 1 after the header)
# is longer than that and no record is.
def csv_gzip() -> None:
    header = "Mã hồ sơ,Mã đơn vị,Kênh thực hiện,Trạng thái,Ngày tiếp nhận,Ghi chú"
    V, X = "000.00.01.H56", "000.00.09.H56"
    rows = [
        (f"G01,{V},1,4,01/03/2024,a", 2, None),
        (f"G02,{V},2,4,01/03/2024,", 3, None),
        (f"G03,{V},3,4,01/03/2024,", 4, None),
        (f"G04,{V},1,2,02/03/2024,", 5, None),
        (f"G05,{V},2,2,02/03/2024,", 6, None),
        (f'G06,{V},2,2,03/03/2024,"ghi chú\r\nhai dòng"', 7, None),
        (f"G07,{X},1,12,03/03/2024,", 9, "invalid_value:TrangThaiHoSo"),
        (f"G08,{V},3,4,04/03/2024,", 10, None),
        (f"G09,{V},1,2,05/03/2024,b", 11, None),
    ]
    data, rej = csv_file(header, rows, eol="\r\n", bom=True)
    cut = data.index(b"hai d")            # member 1 ends inside G02's quoted field, after its CRLF
    assert data[cut - 2:cut] == b"\r\n" and len(data) > 151
    # member 1 alone holds more than 151 bytes after the header line
    assert cut - data.index(b"\r\n") - 2 > 151
    assert all(len(line) < 150 for line in data.split(b"\r\n"))
    write("csv_gzip/data/hoso-2024-03.csv.gz",
          gzip.compress(data[:cut], compresslevel=6, mtime=0) + gzip.compress(data[cut:], compresslevel=6, mtime=0))
    tsv("csv_gzip", [("data/hoso-2024-03.csv.gz", rej)])


# ---------------------------------------------------------------------------------------
# csv_same_as_ndjson: the 13 dossiers of cases/returns_and_flags as a CSV export.
def csv_same_as_ndjson() -> None:
    U = "000.00.01.H56"
    rows = [
        f"RF-01,{U},,,2,,10,01/03/2024 08:00:00,10/03/2024 17:00:00,05/03/2024 10:00:00,06/03/2024 09:00:00,1,1,1,1,1",
        f"RF-02,{U},,,Trực tiếp,,Đã trả kết quả,02/03/2024 08:00:00,08/03/2024 17:00:00,08/03/2024 10:00:00,09/03/2024 09:00:00,Trực tiếp,2,0,Có,Không",
        f"RF-03,{U},,,Trực tuyến,,9,20240303080000,20240312170000,20240310100000,,,1,Có,Không,Có",
        f"RF-04,{U},,,3,,Đang xử lý,04/03/2024 08:00:00,10/04/2024 17:00:00,,,Bưu chính,0,true,true,true",
        f"RF-05,{U},,,1,,4,05/03/2024 08:00:00,,,,,2,,0,",
        f"RF-06,{U},,,2,,4,06/03/2024 08:00:00,,,,,3,,1,",
        f"RF-07,{U},,,2,,10,20/02/2024 08:00:00,15/03/2024 17:00:00,15/03/2024 10:00:00,31/03/2024 23:59:00,1,1,1,1,1",
        f"RF-08,{U},,,1,,10,07/03/2024 08:00:00,20/03/2024 17:00:00,20/03/2024 10:00:00,01/04/2024 08:00:00,1,1,,false,false",
        f"RF-09,{U},,,1,,10,01/02/2024 08:00:00,15/02/2024 17:00:00,10/02/2024 10:00:00,01/03/2024 08:00:00,1,,,,",
        f"RF-10,{U},,,1,,2,02/04/2024 08:00:00,,,30/03/2024 08:00:00,1,,,,",
        f"RF-11,{U},,,1,,Không được tiếp nhận,10/03/2024 08:00:00,,,10/03/2024 09:00:00,1,,,,",
        f"RF-12,{U},,,1,,10,08/03/2024 08:00:00,25/03/2024 17:00:00,19/03/2024 10:00:00,20/03/2024 09:00:00,,1,,1,",
        f"RF-13,{U},,,Trực tuyến,,4,09/03/2024 08:00:00,,,,,2,,Có,",
    ]
    for r in rows:
        assert len(r.split(",")) == 16, r
    data, rej = csv_file(FULL_HEADER, [(r, i + 2, None) for i, r in enumerate(rows)])
    assert rej == []
    write("csv_same_as_ndjson/data/hoso.csv", data)
    tsv("csv_same_as_ndjson", [])


# ---------------------------------------------------------------------------------------
# csv_blank_lines_before_header: the header row is the first line that is not blank (§2.3);
# blank lines before it are skipped but count as physical lines (§2.1). a-crlf.csv starts
# with `\r\n\r\n` before a CRLF header (header on line 3), b-lf.csv with `\n` before an LF
# header (header on line 2). One rejected record per file pins the line numbering.
def csv_blank_lines_before_header() -> None:
    header = "Mã hồ sơ,Mã đơn vị,Kênh thực hiện,Trạng thái,Ngày tiếp nhận,Ngày hẹn trả,Ngày kết thúc xử lý"
    V, W, X = "000.00.01.H56", "000.00.02.H56", "000.00.09.H56"
    da, ra = csv_file(header, [
        (f"K01,{V},2,4,01/03/2024,10/03/2024,", 4, None),
        (f"K02,{V},1,10,02/03/2024,05/03/2024,04/03/2024", 5, None),
        (f"K91,{X},1,4,31/02/2024,,", 6, "invalid_value:NgayTiepNhan"),
        (f"K03,{V},3,2,03/03/2024,,", 7, None),
    ], eol="\r\n", blank_before_header=2)
    assert da.startswith(b"\r\n\r\nM") and da.endswith(b",,\r\n")
    db, rb = csv_file(header, [
        (f"K01,{V},2,9,01/03/2024,10/03/2024,12/03/2024", 3, None),
        (f"K92,{X},7,4,04/03/2024,,", 4, "invalid_value:KenhThucHien"),
        (f"K04,{W},1,4,05/03/2024,20/03/2024,", 5, None),
    ], blank_before_header=1)
    assert db.startswith(b"\nM") and b"\r" not in db
    write("csv_blank_lines_before_header/data/a-crlf.csv", da)
    write("csv_blank_lines_before_header/data/b-lf.csv", db)
    tsv("csv_blank_lines_before_header", [("data/a-crlf.csv", ra), ("data/b-lf.csv", rb)])


# ---------------------------------------------------------------------------------------
# csv_vendor_labels: the 13 dossiers of csv_same_as_ndjson (= returns_and_flags) in a vendor's
# words: §2.3's built-in vendor variants, plus labels the pipeline maps for this input only
# (`Đang thực hiện` 4, `Hoàn thành` 10, booleans `x` / `Đã` true, `Chưa` false). A second input
# without labels: its `Đang thực hiện` is no status.
def csv_vendor_labels() -> None:
    U = "000.00.01.H56"
    rows = [
        f"RF-01,{U},,,Qua mạng,,Đã trả,01/03/2024 08:00:00,10/03/2024 17:00:00,05/03/2024 10:00:00,06/03/2024 09:00:00,Qua BCCI,1,x,Đã,Có",
        f"RF-02,{U},,,Tại quầy,,Hoàn thành trả kết quả,02/03/2024 08:00:00,08/03/2024 17:00:00,08/03/2024 10:00:00,09/03/2024 09:00:00,Tại quầy,2,Chưa,x,Chưa",
        f"RF-03,{U},,,Dịch vụ công trực tuyến,,Có kết quả,20240303080000,20240312170000,20240310100000,,,1,Đã,Không,X",
        f"RF-04,{U},,,Qua bưu điện,,Đang giải quyết,04/03/2024 08:00:00,10/04/2024 17:00:00,,,Qua bưu điện,0,x,x,x",
        f"RF-05,{U},,,Nộp trực tiếp,,Đang thụ lý,05/03/2024 08:00:00,,,,,2,,Chưa,",
        f"RF-06,{U},,,QUA MẠNG,,Đang thực hiện,06/03/2024 08:00:00,,,,,3,,x,",
        f"RF-07,{U},,,Qua mạng,,Hoàn thành,20/02/2024 08:00:00,15/03/2024 17:00:00,15/03/2024 10:00:00,31/03/2024 23:59:00,Qua BCCI,1,Có,1,x",
        f"RF-08,{U},,,Tại bộ phận một cửa,,Đã trả,07/03/2024 08:00:00,20/03/2024 17:00:00,20/03/2024 10:00:00,01/04/2024 08:00:00,qua bcci,1,,Chưa,",
        f"RF-09,{U},,,Tại quầy,,Hoàn thành trả kết quả,01/02/2024 08:00:00,15/02/2024 17:00:00,10/02/2024 10:00:00,01/03/2024 08:00:00,Qua bưu điện,,,,",
        f"RF-10,{U},,,Nộp trực tiếp,,Tiếp nhận,02/04/2024 08:00:00,,,30/03/2024 08:00:00,Qua BCCI,,,,",
        f"RF-11,{U},,,Tại quầy,,Từ chối tiếp nhận,10/03/2024 08:00:00,,,10/03/2024 09:00:00,Qua BCCI,,,,",
        f"RF-12,{U},,,Nộp trực tiếp,,  ĐÃ TRẢ  ,08/03/2024 08:00:00,25/03/2024 17:00:00,19/03/2024 10:00:00,20/03/2024 09:00:00,,1,,Đã,",
        f"RF-13,{U},,,{nfd('Dịch vụ công trực tuyến')},,{nfd('Đang giải quyết')},09/03/2024 08:00:00,,,,,2,,x,",
    ]
    for r in rows:
        assert len(r.split(",")) == 16, r
    data, rej = csv_file(FULL_HEADER, [(r, i + 2, None) for i, r in enumerate(rows)])
    assert rej == []
    write("csv_vendor_labels/data/hoso.csv", data)
    other, rej2 = csv_file(FULL_HEADER, [
        ("OV-01,000.00.09.H56,,,Qua mạng,,Đang thực hiện,01/03/2024 08:00:00,,,,,,x,,", 2,
         "invalid_value:TrangThaiHoSo"),
    ])
    write("csv_vendor_labels/data/other-vendor.csv", other)
    tsv("csv_vendor_labels", [("data/other-vendor.csv", rej2)])


if __name__ == "__main__":
    csv_basic()
    csv_quirks()
    csv_nfd_headers_labels()
    csv_semicolon_tab()
    csv_malformed()
    csv_header_problems()
    csv_mixed_with_ndjson()
    csv_line_too_long()
    csv_gzip()
    csv_same_as_ndjson()
    csv_blank_lines_before_header()
    csv_vendor_labels()
    print("written")
