#!/usr/bin/env python3
"""Hand-written edge cases, each run through motcua and scripts/fuzz/reference.py.

    python3 scripts/fuzz/edge_cases.py [--engine PATH] [--only SUBSTRING]

Prints OK or the mismatch signature for each case (framing, BOM/CRLF at the line limit,
gzip members, salvage, JSON depth and strictness inside nested values, dates, Gia). The
cases are built in a temporary directory; nothing is written elsewhere.
"""
import argparse
import gzip
import json
import os
import random
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import differential as D  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--engine")
ap.add_argument("--only", default="")
ARGS = ap.parse_args()
ENGINE = D.find_engine(ARGS.engine)
ROOT = tempfile.mkdtemp(prefix="motcua-edge-")
FAILED = []


def rec(i, extra=""):
    return ('{"MaHoSo":"000.00.06.H56-%d","TrangThaiHoSo":4,"NgayTiepNhan":"20240105"%s}'
            % (i, extra)).encode()


def case(name, files, mlb=None, corrupt=None, period=("month", "2024-01-01", "2024-01-31"),
         extra_args=()):
    if ARGS.only not in name:
        return
    d = os.path.join(ROOT, name)
    os.makedirs(d + "/data")
    for fn, data in files.items():
        open(os.path.join(d, "data", fn), "wb").write(data)
    lim = "max_reject_rate: 1.0" + (", max_line_bytes: %d" % mlb if mlb else "") + \
        (", on_corrupt_input: %s" % corrupt if corrupt else "")
    open(d + "/pipeline.yaml", "w").write(
        "version: 1\nname: fuzz\ninputs:\n  - format: dvcqg-ndjson\n    paths: [\"data/*\"]\n"
        "periods: { kind: %s, from: %s, to: %s }\noutputs: { dir: out, formats: [csv, json] }\n"
        "limits: { %s }\n" % (period + (lim,)))
    json.dump({"inputs": [["data/*"]], "units": None, "procedures": None, "kind": period[0],
               "from": period[1], "to": period[2], "as_of": None, "rules": "tt01",
               "breakdown": False, "timezone": "+07:00", "max_line_bytes": mlb or 1048576,
               "on_corrupt_input": corrupt or "fail"}, open(d + "/case.json", "w"))
    json.dump(list(extra_args), open(d + "/cli-args.json", "w"))
    with tempfile.TemporaryDirectory() as w:
        sig, msg = D.compare(ENGINE, d, w)
    print("%-28s %s" % (name, "OK" if not sig else sig[:4]))
    if sig:
        FAILED.append(name)
        print("   " + msg.replace("\n", "\n   ")[:1200])

r1 = rec(1)
L = len(r1)
case("bom_at_limit", {"a.ndjson": b"\xef\xbb\xbf" + r1 + b"\n"}, mlb=L)
case("bom_over_limit", {"a.ndjson": b"\xef\xbb\xbf" + r1 + b"\n"}, mlb=L - 1)
case("crlf_at_limit", {"a.ndjson": r1 + b"\r\n"}, mlb=L)
case("cr_eof_over", {"a.ndjson": r1 + b"\r"}, mlb=L)
case("cr_cr_lf", {"a.ndjson": r1 + b"\r\r\n"}, mlb=L)
case("bom_only", {"a.ndjson": b"\xef\xbb\xbf"})
case("bom_lf", {"a.ndjson": b"\xef\xbb\xbf\n" + r1})
case("cr_only_file", {"a.ndjson": b"\r"})
case("lf_only_file", {"a.ndjson": b"\n\n\r\n"})
case("empty_member_then_bom", {"a.gz": gzip.compress(b"", mtime=0) + gzip.compress(b"\xef\xbb\xbf" + r1 + b"\n", mtime=0)})
case("bom_split_members", {"a.gz": gzip.compress(b"\xef", mtime=0) + gzip.compress(b"\xbb\xbf" + r1 + b"\n", mtime=0)})
case("crlf_split_members", {"a.gz": gzip.compress(r1 + b"\r", mtime=0) + gzip.compress(b"\n" + rec(2), mtime=0)})
case("bom_twice", {"a.ndjson": b"\xef\xbb\xbf\xef\xbb\xbf" + r1 + b"\n"})
case("gzip_empty_content", {"a.gz": gzip.compress(b"", mtime=0), "b.ndjson": r1})
case("only_1f", {"a.ndjson": b"\x1f"})
case("only_1f8b", {"a.ndjson": b"\x1f\x8b"}, corrupt="salvage")
case("gz_pad_then_member", {"a.gz": gzip.compress(r1 + b"\n", mtime=0) + b"\0\0" + gzip.compress(rec(2) + b"\n", mtime=0)}, corrupt="salvage")
big = b'{"X":"' + b"x" * 2000 + b'"}'
case("long_last_no_lf", {"a.ndjson": r1 + b"\n" + big}, mlb=100)
case("long_then_short", {"a.ndjson": big + b"\n" + r1 + b"\n"}, mlb=100)
case("long_crlf", {"a.ndjson": big + b"\r\n" + r1 + b"\r\n"}, mlb=100, extra_args=["--chunk-bytes", "1"])
g = gzip.compress(r1 + b"\n" + big, mtime=0)
case("salvage_long_cut", {"a.gz": g[:-20]}, mlb=100, corrupt="salvage")
case("salvage_long_cut_big", {"a.gz": g[:-20]}, mlb=100000, corrupt="salvage")
case("depth64_obj", {"a.ndjson": rec(1, ',"D":' + '{"a":' * 63 + '1' + '}' * 63)})
case("depth65_obj", {"a.ndjson": rec(1, ',"D":' + '{"a":' * 64 + '1' + '}' * 64)})
case("depth_in_string", {"a.ndjson": rec(1, ',"D":"' + '[' * 100 + '"')})
case("escaped_key", {"a.ndjson": b'{"\\u004DaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"20240105"}'})
case("dup_key_null_last", {"a.ndjson": rec(1, ',"NgayTiepNhan":null')})
case("dup_key_valid_last", {"a.ndjson": b'{"TrangThaiHoSo":"x","MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"20240105"}'})
case("status_neg_zero", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"20240105","HinhThuc":-0}'})
case("status_exp", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4e0,"NgayTiepNhan":"20240105"}'})
case("utf8_overlong", {"a.ndjson": b'{"MaHoSo":"\xc0\xaf","TrangThaiHoSo":4,"NgayTiepNhan":"20240105"}'})
case("utf8_surrogate_raw", {"a.ndjson": b'{"MaHoSo":"\xed\xa0\x80","TrangThaiHoSo":4,"NgayTiepNhan":"20240105"}'})
case("utf8_above_10ffff", {"a.ndjson": b'{"MaHoSo":"\xf4\x90\x80\x80","TrangThaiHoSo":4,"NgayTiepNhan":"20240105"}'})
case("nonchar_ok", {"a.ndjson": '{"MaHoSo":"000.00.06.H56-\uffff\U0010FFFF","TrangThaiHoSo":4,"NgayTiepNhan":"20240105"}'.encode()})
case("lone_hi_then_pair", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-\\ud800\\ud83d\\ude00","TrangThaiHoSo":4,"NgayTiepNhan":"20240105"}'})
case("lone_lo_hi", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-\\udc00\\ud800","TrangThaiHoSo":4,"NgayTiepNhan":"20240105"}'})
case("hi_escape_then_raw", {"a.ndjson": '{"MaHoSo":"000.00.06.H56-\\ud83d\u00e9","TrangThaiHoSo":4,"NgayTiepNhan":"20240105"}'.encode()})
case("ws_only_line", {"a.ndjson": b"   \n" + r1})
case("nul_after", {"a.ndjson": r1 + b"\x00\n"})
case("vt_ws", {"a.ndjson": r1 + b"\x0b\n"})
case("nbsp_ws", {"a.ndjson": r1 + "\u00a0".encode() + b"\n"})
case("trailing_ws", {"a.ndjson": b" \t" + r1 + b" \t\r\n"})
case("top_string", {"a.ndjson": b'"x"\n'})
case("huge_int_status", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":18446744073709551620,"NgayTiepNhan":"20240105"}'})
case("huge_str_status", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":"18446744073709551620","NgayTiepNhan":"20240105"}'})
case("padded_status", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":"000000000000000000000000004","NgayTiepNhan":"20240105"}'})
case("date_9frac", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"2024-01-05T23:59:59.999999999-01:00"}'})
case("date_year0", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"2024-01-05","NgayHenTra":"00000101"}'})
case("date_offset_1459", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"2024-01-05T10:00:00+14:59"}'})
case("date_offset_1500", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"2024-01-05T10:00:00+15:00"}'})
case("date_offset_min60", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"2024-01-05T10:00:00+07:60"}'})
case("date_lower_z", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"2024-01-05T10:00:00z"}'})
case("date_offset_noT", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"2024-01-05 10:00:00Z"}'})
case("date_ymd_frac_noT", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"2024-01-05 10:00:00.5"}'})
case("date_c14_offset", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"20240105100000Z"}'})
case("date_9999_off", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"2024-01-05","NgayHenTra":"9999-12-31T23:00:00-05:00"}'})
case("date_0001_off", {"a.ndjson": b'{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"2024-01-05","NgayHenTra":"0001-01-01T00:00:00+14:00"}'})
case("date_unicode_digits", {"a.ndjson": '{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"٢٠٢٤٠١٠٥"}'.encode()})
case("gia_tiny", {"a.ndjson": rec(1, ',"DanhSachLePhi":[{"Gia":1e-400}]')})
case("gia_tiny_str", {"a.ndjson": rec(1, ',"DanhSachLePhi":[{"Gia":"0.00000000000000000000000000000001"}]')})
case("gia_huge_str", {"a.ndjson": rec(1, ',"DanhSachLePhi":[{"Gia":"99999999999999999999999999999999999"}]')})
case("gia_neg_zero_str", {"a.ndjson": rec(1, ',"DanhSachLePhi":[{"Gia":"-0.0"}]')})
case("gia_plus_ws", {"a.ndjson": rec(1, ',"DanhSachLePhi":[{"Gia":" \\t+5\\r\\n"}]')})
case("gia_inner_ws", {"a.ndjson": rec(1, ',"DanhSachLePhi":[{"Gia":"+ 5"}]')})
case("gia_nbsp", {"a.ndjson": rec(1, ',"DanhSachLePhi":[{"Gia":"\\u00a05"}]')})
print("---- depth in recognized fields")
def nest(n): return '[' * n + ']' * n
def onest(n): return '{"a":' * n + '1' + '}' * n
for n in (61, 62, 63, 64):
    case("lephi_el_%d" % n, {"a.ndjson": rec(1, ',"DanhSachLePhi":[{"Gia":5,"X":%s}]' % nest(n))})
    case("lephi_gia_%d" % n, {"a.ndjson": rec(1, ',"DanhSachLePhi":[{"Gia":%s}]' % nest(n))})
    case("lephi_arr_%d" % n, {"a.ndjson": rec(1, ',"DanhSachLePhi":[%s]' % nest(n))})
    case("kq_el_%d" % n, {"a.ndjson": rec(1, ',"DanhSachGiayToKetQua":[{"DuongDanTepTinKetQua":%s}]' % onest(n))})
    case("lephi_obj_%d" % n, {"a.ndjson": rec(1, ',"DanhSachLePhi":%s' % onest(n))})
    case("mahoso_deep_%d" % n, {"a.ndjson": ('{"MaHoSo":%s,"TrangThaiHoSo":4,"NgayTiepNhan":"20240105"}' % nest(n)).encode()})
    case("status_deep_%d" % n, {"a.ndjson": ('{"MaHoSo":"000.00.06.H56-1","TrangThaiHoSo":%s,"NgayTiepNhan":"20240105"}' % onest(n)).encode()})
    case("dup_deep_%d" % n, {"a.ndjson": ('{"MaHoSo":"000.00.06.H56-1","X":%s,"TrangThaiHoSo":4,"NgayTiepNhan":"20240105","X":1}' % nest(n)).encode()})
print("---- malformed inside nested values")
bad_tokens = ['01', '1.', '.5', '+1', '-', '1e', '1e+', 'tru', 'nul', 'NaN', 'Infinity', '-Infinity', '"a\tb"', '"\\x"', '"\\u12"', "'a'",
              '[1,]', '[,1]', '{"a"}', '{"a":1,}', '{,}', '[1 2]', '{"a":1 "b":2}', '"\\ud800"', '0x1', '1_000', '"a', '[', '{', '"\\/"', '-0', '0e0', '1E+2', '"\x7f"']
for i, t in enumerate(bad_tokens):
    case("n_gia_%02d" % i, {"a.ndjson": rec(1, ',"DanhSachLePhi":[{"Gia":%s}]' % t)})
    case("n_kq_%02d" % i, {"a.ndjson": rec(1, ',"DanhSachGiayToKetQua":[{"DuongDanTepTinKetQua":%s}]' % t)})
    case("n_lephi_el_%02d" % i, {"a.ndjson": rec(1, ',"DanhSachLePhi":[%s]' % t)})
    case("n_ign_%02d" % i, {"a.ndjson": rec(1, ',"ChuHoSo":{"x":[%s]}' % t)})
    case("n_code_%02d" % i, {"a.ndjson": rec(1, ',"MucDo":%s' % t)})
    case("n_text_%02d" % i, {"a.ndjson": rec(1, ',"MaTTHC":%s' % t)})

print("---- salvage after a damaged member (CRC, 2.2 MB member)")
rng = random.Random(1)
text = b"".join(rec(i, ',"X":"%030x"' % rng.getrandbits(120)) + b"\n" for i in range(20000))
m = gzip.compress(text, mtime=0)
case("salvage_crc_big", {"a.gz": m[:-8] + bytes([m[-8] ^ 1]) + m[-7:]}, corrupt="salvage")
m1, m2 = gzip.compress(rec(1) + b"\n", mtime=0), gzip.compress(rec(2) + b"\n", mtime=0)
case("salvage_crc_member2", {"a.gz": m1 + m2[:-8] + bytes([m2[-8] ^ 1]) + m2[-7:]}, corrupt="salvage")
case("salvage_isize_member2", {"a.gz": m1 + m2[:-1] + bytes([m2[-1] ^ 1])}, corrupt="salvage")
case("salvage_trunc_trailer", {"a.gz": m1 + m2[:-3]}, corrupt="salvage")
case("salvage_garbage", {"a.gz": m1 + m2 + b"junk"}, corrupt="salvage")
case("skip_crc", {"a.gz": m1 + m2[:-8] + bytes([m2[-8] ^ 1]) + m2[-7:], "b.ndjson": rec(3)},
     corrupt="skip")
long_tail = rec(1) + b"\n" + b'{"X":"' + ("%x" % random.Random(2).getrandbits(4000)).encode() + b'"'
g = gzip.compress(long_tail, mtime=0)
case("salvage_overlong_cut", {"a.gz": g[:-8]}, mlb=300, corrupt="salvage")
g = gzip.compress(long_tail[len(rec(1)) + 1:], mtime=0)        # the cut line is the first
case("salvage_overlong_cut_first", {"a.gz": g[:-8]}, mlb=300, corrupt="salvage")
text60 = b"".join(rec(i, ',"X":"%030x"' % rng.getrandbits(120)) + b"\n" for i in range(60))
case("salvage_trunc_trailer_small_buffer", {"a.gz": gzip.compress(text60, mtime=0)[:-3]}, mlb=2000,
     corrupt="salvage", extra_args=["--chunk-bytes", "64"])
case("fail_crc", {"a.gz": m1 + m2[:-8] + bytes([m2[-8] ^ 1]) + m2[-7:]})

shutil.rmtree(ROOT, ignore_errors=True)
print("\n%d mismatching case(s)%s" % (len(FAILED), (": " + ", ".join(FAILED)) if FAILED else ""))
sys.exit(1 if FAILED else 0)
