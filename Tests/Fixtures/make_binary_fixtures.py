#!/usr/bin/env python3
"""Writes the fixture inputs that cannot be plain text files: gzip files (single and
multi-member, zero padding, mtime 0), files with raw invalid UTF-8 bytes, a BOM, CRLF,
exact-length lines and a last line without LF.

The files it writes are committed; this script exists so that a reviewer can read their
content here and re-create them. It computes no expected output: every reason in REJECTS
below is assigned by hand (see cases/rejects/expected/NOTES.md), and the script only
numbers the lines and writes expected/rejects.tsv from those hand-assigned reasons.

Run from anywhere:  python3 Tests/Fixtures/make_binary_fixtures.py
"""
import gzip
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")


def gz(data: bytes) -> bytes:
    """One gzip member, deterministic (mtime 0, fixed level)."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def write(path: str, data: bytes) -> None:
    path = os.path.join(CASES, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# ---------------------------------------------------------------------------------------
# superseded_later_file: the second export is a 2-member gzip (lines 1-2 | lines 3-5).
SUPERSEDED_FILE2_MEMBER1 = (
    b'{"MaHoSo":"SU-K1","MaDonVi":"000.00.01.H56","KenhThucHien":1,"TrangThaiHoSo":10,'
    b'"NgayTiepNhan":"20240301080000","NgayHenTra":"20240315170000","NgayKetThucXuLy":"20240314100000"}\n'
    # a later but rejected version of SU-K2 (impossible date): must not replace line 2 of file 1
    b'{"MaHoSo":"SU-K2","MaDonVi":"000.00.01.H56","KenhThucHien":2,"TrangThaiHoSo":10,'
    b'"NgayTiepNhan":"20240302080000","NgayHenTra":"31/02/2024","NgayKetThucXuLy":"20240306100000"}\n'
)
SUPERSEDED_FILE2_MEMBER2 = (
    b'{"MaHoSo":"SU-K4","MaDonVi":"000.00.01.H56","KenhThucHien":1,"TrangThaiHoSo":3,'
    b'"NgayTiepNhan":"20240304080000"}\n'
    b'{"MaHoSo":"SU-K5","MaDonVi":"000.00.01.H56","KenhThucHien":2,"TrangThaiHoSo":2,'
    b'"NgayTiepNhan":"20240325080000"}\n'
    b'{"MaDonVi":"000.00.08.H56","KenhThucHien":2,"TrangThaiHoSo":2,'
    b'"NgayTiepNhan":"20240326080000"}\n'
)


def superseded_later_file() -> None:
    write("superseded_later_file/data/hoso-2024-03-20.ndjson.gz",
          gz(SUPERSEDED_FILE2_MEMBER1) + gz(SUPERSEDED_FILE2_MEMBER2))


# ---------------------------------------------------------------------------------------
# rejects: one file, BOM first, limits {max_line_bytes: 300, max_reject_rate: 1.0}.
# Each entry: (line content without terminator, terminator, hand-assigned reason).
# reason None = valid record; "BLANK" = blank line (skipped, but it has a line number).
MAX_LINE = 300
X = b'"MaDonVi":"000.00.09.H56"'   # unit of rejected records: must never get a row
V = b'"MaDonVi":"000.00.01.H56"'   # unit of the valid records


def padded(prefix: bytes, total: int, fill: bytes = b"a") -> bytes:
    """prefix + '"GhiChu":"<fill...>"}' of exactly `total` bytes."""
    head = prefix + b'"GhiChu":"'
    n = total - len(head) - 2
    assert n > 0
    line = head + fill * n + b'"}'
    assert len(line) == total, (len(line), total)
    return line


def nested(prefix: bytes, depth_arrays: int) -> bytes:
    return prefix + b'"X":' + b"[" * depth_arrays + b"]" * depth_arrays + b"}"


REJECTS = [
    # 1  valid (after the BOM)
    (b'{"MaHoSo":"V1",' + V + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305080000","KenhThucHien":1}', b"\n", None),
    # 2  blank
    (b"", b"\n", "BLANK"),
    # 3  301 bytes of otherwise valid JSON
    (padded(b'{"MaHoSo":"X-LONG1",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305",', MAX_LINE + 1),
     b"\n", "line_too_long"),
    # 4  exactly 300 bytes + CRLF: accepted (CR LF not counted)
    (padded(b'{"MaHoSo":"V2",' + V + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240306","KenhThucHien":2,', MAX_LINE, b"b"),
     b"\r\n", None),
    # 5  too long AND invalid UTF-8: line_too_long comes first
    (padded(b'{"MaHoSo":"X-LONG2",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305",', 320, b"\xff"),
     b"\n", "line_too_long"),
    # 6-8  invalid UTF-8: 0xFF, overlong encoding of '/', UTF-16 surrogate encoded in UTF-8
    (b'{"MaHoSo":"X-U1",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","GhiChu":"\xff"}', b"\n", "invalid_utf8"),
    (b'{"MaHoSo":"X-U2",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","GhiChu":"\xc0\xaf"}', b"\n", "invalid_utf8"),
    (b'{"MaHoSo":"X-U3",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","GhiChu":"\xed\xa0\x80"}', b"\n", "invalid_utf8"),
    # 9  truncated multi-byte sequence and truncated JSON: invalid_utf8 comes first
    (b'{"MaHoSo":"X-U4","GhiChu":"\xe1\xba', b"\n", "invalid_utf8"),
    # 10 a CRLF-only line is blank
    (b"", b"\r\n", "BLANK"),
    # 11-21 malformed_json
    (b'{"MaHoSo":"X-J1",' + X + b',"TrangThaiHoSo":2', b"\n", "malformed_json"),
    (b'[{"MaHoSo":"X-J2",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305"}]', b"\n", "malformed_json"),
    (b'{"MaHoSo":"X-J3",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","SoLuong":NaN}', b"\n", "malformed_json"),
    (b'{"MaHoSo":"X-J4",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305",}', b"\n", "malformed_json"),
    (b'{"MaHoSo":"X-J5"} {"MaHoSo":"X-J6"}', b"\n", "malformed_json"),
    (b"   ", b"\n", "malformed_json"),
    # 17 nesting 65 levels (object + 64 arrays)
    (nested(b'{"MaHoSo":"X-J7",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305",', 64), b"\n", "malformed_json"),
    # 18 nesting 64 levels (object + 63 arrays): valid
    (nested(b'{"MaHoSo":"V3",' + V + b',"TrangThaiHoSo":4,"NgayTiepNhan":"20240307",', 63), b"\n", None),
    (b'{"MaHoSo":"X-J8",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","SoLuong":-Infinity}', b"\n", "malformed_json"),
    (b"null", b"\n", "malformed_json"),
    # 21 raw TAB inside a string (control characters must be escaped)
    (b'{"MaHoSo":"X-J9\t",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305"}', b"\n", "malformed_json"),
    # 22-24 missing MaHoSo: absent; "" (before the invalid status); null (before MaDonVi)
    (b'{' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305"}', b"\n", "missing_field:MaHoSo"),
    (b'{"MaHoSo":"",' + X + b',"TrangThaiHoSo":"x","NgayTiepNhan":"20240305"}', b"\n", "missing_field:MaHoSo"),
    (b'{"MaHoSo":null,"TrangThaiHoSo":2}', b"\n", "missing_field:MaHoSo"),
    # 25-28 missing MaDonVi: prefix not NNN.NN.NN.XNN; no '-' at all; lowercase letter;
    #       and MaDonVi is checked before the (also missing) status
    (b'{"MaHoSo":"HS-240305-0001","TrangThaiHoSo":2,"NgayTiepNhan":"20240305"}', b"\n", "missing_field:MaDonVi"),
    (b'{"MaHoSo":"000.00.09.H56","MaDonVi":"","TrangThaiHoSo":2,"NgayTiepNhan":"20240305"}', b"\n", "missing_field:MaDonVi"),
    (b'{"MaHoSo":"000.00.09.h56-240305-0001","TrangThaiHoSo":2,"NgayTiepNhan":"20240305"}', b"\n", "missing_field:MaDonVi"),
    (b'{"MaHoSo":"NOUNIT-1","NgayTiepNhan":"20240305"}', b"\n", "missing_field:MaDonVi"),
    # 29-30 missing status: absent; "" (before missing NgayTiepNhan and invalid channel)
    (b'{"MaHoSo":"X-S1",' + X + b',"NgayTiepNhan":"20240305"}', b"\n", "missing_field:TrangThaiHoSo"),
    (b'{"MaHoSo":"X-S2",' + X + b',"TrangThaiHoSo":"","KenhThucHien":9}', b"\n", "missing_field:TrangThaiHoSo"),
    # 31-33 missing NgayTiepNhan: status 4; unparsable status (neither 1/3 nor 7-10);
    #       status 9 also missing its end (NgayTiepNhan is checked first)
    (b'{"MaHoSo":"X-R1",' + X + b',"TrangThaiHoSo":4}', b"\n", "missing_field:NgayTiepNhan"),
    (b'{"MaHoSo":"X-R2",' + X + b',"TrangThaiHoSo":"abc"}', b"\n", "missing_field:NgayTiepNhan"),
    (b'{"MaHoSo":"X-R3",' + X + b',"TrangThaiHoSo":9}', b"\n", "missing_field:NgayTiepNhan"),
    # 34-35 valid: statuses 1 and 3 need no NgayTiepNhan (not received)
    (b'{"MaHoSo":"V4",' + V + b',"TrangThaiHoSo":1}', b"\n", None),
    (b'{"MaHoSo":"V5",' + V + b',"TrangThaiHoSo":3,"NgayTiepNhan":null}', b"\n", None),
    # 36-39 missing NgayKetThucXuLy for 9 (before invalid channel), 7 (""), "8", "done"
    (b'{"MaHoSo":"X-E1",' + X + b',"TrangThaiHoSo":9,"NgayTiepNhan":"20240305","KenhThucHien":7}', b"\n", "missing_field:NgayKetThucXuLy"),
    (b'{"MaHoSo":"X-E2",' + X + b',"TrangThaiHoSo":7,"NgayTiepNhan":"20240305","NgayKetThucXuLy":""}', b"\n", "missing_field:NgayKetThucXuLy"),
    (b'{"MaHoSo":"X-E3",' + X + b',"TrangThaiHoSo":"8","NgayTiepNhan":"20240305"}', b"\n", "missing_field:NgayKetThucXuLy"),
    (b'{"MaHoSo":"X-E4",' + X + b',"TrangThaiHoSo":"done","NgayTiepNhan":"20240305"}', b"\n", "missing_field:NgayKetThucXuLy"),
    # 40-46 invalid status: 11 (no end needed), 0, 2.0 (before invalid channel), true, " 2",
    #       "done " (English codes are not trimmed), "posting" (not in the list)
    (b'{"MaHoSo":"X-T1",' + X + b',"TrangThaiHoSo":11,"NgayTiepNhan":"20240305"}', b"\n", "invalid_value:TrangThaiHoSo"),
    (b'{"MaHoSo":"X-T2",' + X + b',"TrangThaiHoSo":0,"NgayTiepNhan":"20240305"}', b"\n", "invalid_value:TrangThaiHoSo"),
    (b'{"MaHoSo":"X-T3",' + X + b',"TrangThaiHoSo":2.0,"NgayTiepNhan":"20240305","KenhThucHien":"x"}', b"\n", "invalid_value:TrangThaiHoSo"),
    (b'{"MaHoSo":"X-T4",' + X + b',"TrangThaiHoSo":true,"NgayTiepNhan":"20240305"}', b"\n", "invalid_value:TrangThaiHoSo"),
    (b'{"MaHoSo":"X-T5",' + X + b',"TrangThaiHoSo":" 2","NgayTiepNhan":"20240305"}', b"\n", "invalid_value:TrangThaiHoSo"),
    (b'{"MaHoSo":"X-T6",' + X + b',"TrangThaiHoSo":"done ","NgayTiepNhan":"20240305"}', b"\n", "invalid_value:TrangThaiHoSo"),
    (b'{"MaHoSo":"X-T7",' + X + b',"TrangThaiHoSo":"posting","NgayTiepNhan":"20240305"}', b"\n", "invalid_value:TrangThaiHoSo"),
    # 47-50 text fields that are not JSON strings
    (b'{"MaHoSo":4711,' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305"}', b"\n", "invalid_value:MaHoSo"),
    (b'{"MaHoSo":"X-V2","MaDonVi":5,"TrangThaiHoSo":2,"NgayTiepNhan":"20240305"}', b"\n", "invalid_value:MaDonVi"),
    (b'{"MaHoSo":"X-V3",' + X + b',"MaTTHC":1.001757,"TrangThaiHoSo":2,"NgayTiepNhan":"20240305"}', b"\n", "invalid_value:MaTTHC"),
    (b'{"MaHoSo":"X-V4",' + X + b',"MaLinhVuc":["G01"],"TrangThaiHoSo":2,"NgayTiepNhan":"20240305"}', b"\n", "invalid_value:MaLinhVuc"),
    # 51-54 invalid channel: 2.0, "x", 4 (reported before the invalid MucDo 9), 0
    (b'{"MaHoSo":"X-C1",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","KenhThucHien":2.0}', b"\n", "invalid_value:KenhThucHien"),
    (b'{"MaHoSo":"X-C2",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","KenhThucHien":"x"}', b"\n", "invalid_value:KenhThucHien"),
    (b'{"MaHoSo":"X-C3",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","MucDo":9,"KenhThucHien":4}', b"\n", "invalid_value:KenhThucHien"),
    (b'{"MaHoSo":"X-C4",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","KenhThucHien":0}', b"\n", "invalid_value:KenhThucHien"),
    # 55 MucDo outside 2/3/4
    (b'{"MaHoSo":"X-M1",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","MucDo":1}', b"\n", "invalid_value:MucDo"),
    # 56-57 NgayTiepNhan present but invalid: impossible date; offset beyond 14 h
    (b'{"MaHoSo":"X-D1",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"2024-02-30"}', b"\n", "invalid_value:NgayTiepNhan"),
    (b'{"MaHoSo":"X-D2",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"2024-03-05T08:00:00+15:00"}', b"\n", "invalid_value:NgayTiepNhan"),
    # 58-59 NgayHenTra: 31/02/2024; a number instead of a string
    (b'{"MaHoSo":"X-D3",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","NgayHenTra":"31/02/2024"}', b"\n", "invalid_value:NgayHenTra"),
    (b'{"MaHoSo":"X-D4",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","NgayHenTra":20240305}', b"\n", "invalid_value:NgayHenTra"),
    # 60 NgayKetThucXuLy day 32
    (b'{"MaHoSo":"X-D5",' + X + b',"TrangThaiHoSo":9,"NgayTiepNhan":"20240305","NgayKetThucXuLy":"2024-03-32"}', b"\n", "invalid_value:NgayKetThucXuLy"),
    # 61 NgayTra month 13
    (b'{"MaHoSo":"X-D6",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","NgayTra":"05/13/2024"}', b"\n", "invalid_value:NgayTra"),
    # 62-64 HinhThuc 2; DuocThanhToanTrucTuyen 4; HoSoCoThanhPhanSoHoa true
    (b'{"MaHoSo":"X-F1",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","HinhThuc":2}', b"\n", "invalid_value:HinhThuc"),
    (b'{"MaHoSo":"X-F2",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","DuocThanhToanTrucTuyen":4}', b"\n", "invalid_value:DuocThanhToanTrucTuyen"),
    (b'{"MaHoSo":"X-F3",' + X + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240305","HoSoCoThanhPhanSoHoa":true}', b"\n", "invalid_value:HoSoCoThanhPhanSoHoa"),
    # 65 valid: every code field as a digit string; DanhSachLePhi not an array = false
    (b'{"MaHoSo":"V6",' + V + b',"TrangThaiHoSo":"2","NgayTiepNhan":"20240308","KenhThucHien":"3","MucDo":"4",'
     b'"HinhThuc":"0","DuocThanhToanTrucTuyen":"03","HoSoCoThanhPhanSoHoa":"1","DanhSachLePhi":"abc"}', b"\n", None),
    # 66-67 ended before received: status 10; status 5 ("whatever the status")
    (b'{"MaHoSo":"X-B1",' + X + b',"TrangThaiHoSo":10,"NgayTiepNhan":"20240305","NgayKetThucXuLy":"20240304"}', b"\n", "ended_before_received"),
    (b'{"MaHoSo":"X-B2",' + X + b',"TrangThaiHoSo":5,"NgayTiepNhan":"20240305","NgayKetThucXuLy":"20240301"}', b"\n", "ended_before_received"),
    # 68 invalid channel is reported before ended_before_received
    (b'{"MaHoSo":"X-B3",' + X + b',"TrangThaiHoSo":10,"NgayTiepNhan":"20240305","NgayKetThucXuLy":"20240304","KenhThucHien":9}', b"\n", "invalid_value:KenhThucHien"),
    # 69 valid: same date, end instant before recv instant
    (b'{"MaHoSo":"V7",' + V + b',"TrangThaiHoSo":9,"NgayTiepNhan":"2024-03-09 15:00:00","NgayKetThucXuLy":"2024-03-09 09:00:00","NgayHenTra":"2024-03-09","KenhThucHien":1}', b"\n", None),
    # 70 valid: end 2024-03-09T17:00:00Z = local 03-10 00:00, recv 03-10 00:30 local
    (b'{"MaHoSo":"V8",' + V + b',"TrangThaiHoSo":10,"NgayTiepNhan":"2024-03-10T00:30:00+07:00","NgayKetThucXuLy":"2024-03-09T17:00:00Z","NgayHenTra":"2024-03-11","KenhThucHien":2}', b"\n", None),
    # 71 valid, CRLF: status 8 (tt01: pending within)
    (b'{"MaHoSo":"V9",' + V + b',"TrangThaiHoSo":8,"NgayTiepNhan":"20240311","NgayKetThucXuLy":"20240312","NgayHenTra":"20240301","KenhThucHien":1}', b"\r\n", None),
    # 72 valid, last line without LF
    (b'{"MaHoSo":"V10",' + V + b',"TrangThaiHoSo":2,"NgayTiepNhan":"20240312","KenhThucHien":3}', b"", None),
]


def rejects() -> None:
    data = b"\xef\xbb\xbf"
    tsv = []
    for number, (content, term, reason) in enumerate(REJECTS, start=1):
        if reason == "BLANK":
            assert content == b""
        else:
            assert content != b""
        if term == b"":
            assert number == len(REJECTS)
        data += content + term
        if reason not in (None, "BLANK"):
            tsv.append(f"data/rejects.ndjson\t{number}\t{reason}\n")
    write("rejects/data/rejects.ndjson", data)
    write("rejects/expected/rejects.tsv", "".join(tsv).encode())
    for number, (content, term, reason) in enumerate(REJECTS, start=1):
        if reason == "line_too_long":
            assert len(content) > MAX_LINE, number
        else:
            assert len(content) <= MAX_LINE, number


# ---------------------------------------------------------------------------------------
# gzip_detection: gzip is recognised by its magic bytes, not by the file name.
G1_FIRST = (b'{"MaHoSo":"GZ-1","MaDonVi":"000.00.01.H56","KenhThucHien":2,"TrangThaiHoSo":2,'
            b'"NgayTiepNhan":"20240301080000"}\n')
G2 = (b'{"MaHoSo":"GZ-2","MaDonVi":"000.00.01.H56","KenhThucHien":1,"TrangThaiHoSo":10,'
      b'"NgayTiepNhan":"20240302080000","NgayHenTra":"20240304170000","NgayKetThucXuLy":"20240303100000"}\n')
G3 = (b'{"MaHoSo":"GZ-3","MaDonVi":"000.00.01.H56","KenhThucHien":3,"TrangThaiHoSo":4,'
      b'"NgayTiepNhan":"20240303080000","NgayHenTra":"20240310170000"}')
G4 = (b'{"MaHoSo":"GZ-4","MaDonVi":"000.00.01.H56","KenhThucHien":1,"TrangThaiHoSo":2,'
      b'"NgayTiepNhan":"20240304080000"}')
G5 = (b'{"MaHoSo":"GZ-5","MaDonVi":"000.00.01.H56","KenhThucHien":2,"TrangThaiHoSo":9,'
      b'"NgayTiepNhan":"20240305080000","NgayHenTra":"20240306170000","NgayKetThucXuLy":"20240306100000"}\n')
G1_LAST = (b'{"MaHoSo":"GZ-1","MaDonVi":"000.00.01.H56","KenhThucHien":2,"TrangThaiHoSo":10,'
           b'"NgayTiepNhan":"20240301080000","NgayHenTra":"20240305170000","NgayKetThucXuLy":"20240307100000"}\n')


def gzip_detection() -> None:
    base = "gzip_detection/data/"
    # a: two gzip members, one record each
    write(base + "a.ndjson.gz", gz(G1_FIRST) + gz(G2))
    # b: gzip although named .ndjson; inside: BOM, a CRLF line, a last line without LF
    write(base + "b.ndjson", gz(b"\xef\xbb\xbf" + G3 + b"\r\n" + G4))
    # c: plain text although named .gz
    write(base + "c.ndjson.gz", G5)
    # d: empty plain file; e: gzip of empty content
    write(base + "d.ndjson", b"")
    write(base + "e.ndjson.gz", gz(b""))
    # f: one member followed by NUL padding (allowed); supersedes GZ-1 of a.ndjson.gz
    write(base + "f.ndjson.gz", gz(G1_LAST) + b"\x00" * 16)


if __name__ == "__main__":
    superseded_later_file()
    rejects()
    gzip_detection()
