#!/usr/bin/env python3
"""Large synthetic dvcqg-ndjson export for benchmarks (deterministic for a seed).

Records are ~1 KB like real portal exports (nested attachment/fee/result arrays, Vietnamese
text); ids repeat so that later lines supersede earlier ones. Output is gzip (level 6).
    python3 scripts/bench/gen_big.py --mb 1000 --out /tmp/big.ndjson.gz [--files 8]
"""
import argparse, gzip, json, random, datetime

UNITS = [f"000.{a:02d}.{b:02d}.H56" for a in range(0, 30) for b in range(1, 11)]
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Minh Đức", "Hoàng Thị Ê", "Võ Quốc Phong"]
STREETS = ["Đường Trần Phú", "Đường Lê Lợi", "Phố Hàng Bông", "Đường Nguyễn Huệ", "Ngõ 12 Láng Hạ"]

def ts(d):
    return d.strftime("%Y%m%d%H%M%S")

def record(rng, i, base):
    unit = UNITS[rng.randrange(len(UNITS))]
    recv = base + datetime.timedelta(minutes=rng.randrange(0, 60 * 24 * 365))
    due = recv + datetime.timedelta(days=rng.randrange(1, 20))
    status = rng.choice([2, 4, 4, 5, 6, 9, 10, 10, 10, 7, 8, 1, 3])
    rec = {
        "MaHoSo": f"{unit}-{recv.strftime('%y%m%d')}-{i % 1000000:07d}",
        "MaDonVi": unit,
        "MaTTHC": f"1.{rng.randrange(1000, 1400):06d}",
        "MaLinhVuc": f"LV{rng.randrange(1, 40):03d}",
        "KenhThucHien": rng.choice([1, 1, 2, 2, 2, 3]),
        "MucDo": rng.choice([2, 3, 4]),
        "TrangThaiHoSo": status,
        "NgayTiepNhan": ts(recv),
        "NgayHenTra": ts(due),
        "ChuHoSo": rng.choice(NAMES),
        "DiaChiChuHoSo": f"Số {rng.randrange(1, 300)}, {rng.choice(STREETS)}, phường {rng.randrange(1, 20)}",
        "SoDienThoai": f"09{rng.randrange(10**7, 10**8)}",
        "DanhSachTepDinhKem": [
            {"TenTepDinhKem": f"Giấy tờ {k} của hồ sơ.pdf", "DuongDan": f"https://dvc.example.vn/files/{i}/{k}.pdf",
             "KichThuoc": rng.randrange(10000, 900000), "ThongTin": {"Loai": k, "SoTrang": rng.randrange(1, 9)}}
            for k in range(rng.randrange(1, 4))
        ],
        "DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí cấp giấy", "Gia": rng.choice([0, 15000, "30000"])}],
        "HoSoCoThanhPhanSoHoa": rng.choice([0, 1]),
        "DuocThanhToanTrucTuyen": rng.choice([0, 1, 2, 3]),
    }
    if status in (7, 8, 9, 10):
        end = recv + datetime.timedelta(days=rng.randrange(0, 25))
        rec["NgayKetThucXuLy"] = ts(end)
        if status == 10:
            rec["NgayTra"] = ts(end + datetime.timedelta(days=1))
            rec["HinhThuc"] = rng.choice([0, 1])
            rec["DanhSachGiayToKetQua"] = [{"TenGiayTo": "Kết quả", "DuongDanTepTinKetQua": f"https://dvc.example.vn/kq/{i}.pdf"}]
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=1000, help="uncompressed megabytes in all")
    ap.add_argument("--out", required=True, help="file, or prefix when --files > 1")
    ap.add_argument("--files", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    base = datetime.datetime(2024, 1, 1)
    # Pre-render a pool of lines and give each line its own dossier id: fast and still
    # realistic bytes. Every record starts with "MaHoSo", so a line is split once into the
    # text before and after the id value.
    pool = []
    for i in range(20000):
        line = record(rng, i, base)
        head = '{"MaHoSo":"'
        assert line.startswith(head)
        pool.append(line[line.index('"', len(head)):])      # '",...}' after the id value
    # About 1 record in 4 (every 4th line) repeats the id of an earlier dossier, the same id
    # string, so the later line supersedes it (a dossier re-exported after a status change).
    # The id depends only on the dossier number, never on the pool line, so repeats match.
    # Which earlier dossier: a multiplicative hash of the line number over those seen so
    # far (deterministic, cheap, spread over the whole history, recent ones included).
    per_file = a.mb * 1_000_000 // a.files
    n = 0
    new_ids = 0
    repeats = 0
    nu = len(UNITS)
    for f in range(a.files):
        path = a.out if a.files == 1 else f"{a.out}-{f:02d}.ndjson.gz"
        written = 0
        with gzip.open(path, "wb", compresslevel=6) as out:
            buf = []
            while written < per_file:
                if n % 4 == 3:
                    dossier = (n * 2654435761 >> 7) % new_ids
                    repeats += 1
                else:
                    dossier = new_ids
                    new_ids += 1
                b = ('{"MaHoSo":"%s-%010d%s\n' % (UNITS[dossier % nu], dossier, pool[n % 20000])).encode()
                buf.append(b)
                written += len(b)
                n += 1
                if len(buf) >= 4096:
                    out.write(b"".join(buf)); buf = []
            out.write(b"".join(buf))
        print(path, written, "bytes")
    print("records", n, "dossiers", new_ids, "repeats", repeats)

if __name__ == "__main__":
    main()
