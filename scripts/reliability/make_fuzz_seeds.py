#!/usr/bin/env python3
"""Seed corpora for the libFuzzer targets of Fuzz/ (run by fuzz.sh).

    python3 scripts/reliability/make_fuzz_seeds.py OUTDIR

Writes OUTDIR/{gzip,json,csv,date,chunker}/ from Tests/Corpora (JSONTestSuite, csv-spectrum,
duckdb CSVs, gzip vectors), the fixture cases' exports and a few hand-made hostile inputs.
Targets whose input starts with control bytes (csv: delimiter + piece size; chunker: flags +
line limit) get those prepended. Also copies every saved regression input (Fuzz/regressions/).
"""
import glob, gzip, hashlib, os, sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", ".."))
shared = os.path.join(root, "Tests", "Corpora")
out = sys.argv[1]

def put(target, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)

def read(p):
    with open(p, "rb") as f:
        return f.read()

fixture_files = [p for p in glob.glob(os.path.join(root, "Tests/Fixtures/cases/*/data/**/*"), recursive=True) if os.path.isfile(p)]
ndjson = [read(p) for p in fixture_files if ".ndjson" in p]
csvs = [read(p) for p in fixture_files if ".csv" in p]
ndjson = [gzip.decompress(b) if b[:2] == b"\x1f\x8b" else b for b in ndjson]
csvs = [gzip.decompress(b) if b[:2] == b"\x1f\x8b" else b for b in csvs]

# gzip: the public vectors, damaged copies, gzip of fixtures, multi-member, gzip in gzip.
for p in glob.glob(os.path.join(shared, "gzip", "*.gz")):
    b = read(p)
    put("gzip", b)
    put("gzip", b[: len(b) // 2])
    put("gzip", b[:-6] + bytes([b[-6] ^ 0xFF]) + b[-5:])
    put("gzip", b + b"\0\0\0junk")
    put("gzip", b + b)
for b in ndjson[:20]:
    put("gzip", gzip.compress(b, mtime=0))
put("gzip", gzip.compress(gzip.compress(b"{}\n", mtime=0), mtime=0))
put("gzip", gzip.compress(b"", mtime=0))
put("gzip", b"")
put("gzip", gzip.compress(b"\0" * 100000, mtime=0))

# json: JSONTestSuite files (one line each) and fixture lines.
for p in glob.glob(os.path.join(shared, "json", "test_parsing", "*.json")):
    put("json", read(p).split(b"\n")[0])
for b in ndjson:
    for line in b.split(b"\n")[:50]:
        if line.strip():
            put("json", line.rstrip(b"\r"))
base = b'{"MaHoSo":"000.00.01.H56-1","MaDonVi":"000.00.01.H56","MaTTHC":"1.001757.000.00.00.H56","TrangThaiHoSo":"done","NgayTiepNhan":"2024-03-05T08:00:00.123+07:00","NgayHenTra":"05/03/2024 17:00","NgayKetThucXuLy":"20240306","KenhThucHien":"02","DanhSachLePhi":[{"Gia":" 1.50 "}],"DanhSachGiayToKetQua":[{"DuongDanTepTinKetQua":"x"}],"HoSoCoThanhPhanSoHoa":1}'
put("json", base)
put("json", base.replace(b'"MaHoSo":"000', b'"Ma\\u0048oSo":"\\ud800'))

# csv: public CSVs and fixture CSVs, each with a few control prefixes.
csv_paths = glob.glob(os.path.join(shared, "csv", "spectrum", "csvs", "*.csv")) + \
    [p for p in glob.glob(os.path.join(shared, "csv", "duckdb", "*")) if not p.endswith(".gz")]
for b in [read(p) for p in csv_paths] + csvs:
    for prefix in (b"\x00\x07", b"\x00\xff", b"\x01\x01"):
        put("csv", prefix + b[:20000])

# date: every accepted form, edge values and near misses.
for s in ["20240305080000", "20240305", "2024-03-05T08:00:00", "2024-03-05T08:00:00.123456789Z",
          "2024-03-05T23:59:59-14:00", "2024-03-05T00:00:00+14:00", "2024-03-05 08:00:00", "2024-03-05",
          "05/03/2024 08:00:00", "05/03/2024 08:00", "05/03/2024", "29/02/2024", "29/02/2023",
          "99/99/9999", "00/00/0000", "31/12/9999", "0000-01-01", "2024-13-01", "2024-03-05T24:00:00",
          "2024-03-05T08:00:00+15:00", "2024-03-05T08:00:00.1234567890Z", "2024-03-05T08:00:00.Z"]:
    put("date", s.encode())

# chunker: flags byte (bit0 csv, bit1 ';', rest chunk size) + line-limit byte + file bytes.
for b in ndjson[:40]:
    put("chunker", b"\x00\x20" + b[:30000])
    put("chunker", b"\x10\xff" + gzip.compress(b[:30000], mtime=0))
for b in csvs[:40]:
    put("chunker", b"\x05\x40" + b[:30000])
    put("chunker", b"\x21\x08" + gzip.compress(b[:30000], mtime=0))
put("chunker", b"\x00\x00" + b"\xef\xbb\xbf" + b"x" * 5000 + b"\r\n{}\n\n")
put("chunker", b"\x01\x00" + "Mã hồ sơ,Trạng thái\n\"a\nb\nc".encode() + b"\n" * 300 + b'",1\n')

for p in glob.glob(os.path.join(root, "Fuzz", "regressions", "*", "*")):
    put(os.path.basename(os.path.dirname(p)), read(p))
for t in sorted(os.listdir(out)):
    print(t, len(os.listdir(os.path.join(out, t))))
