#!/usr/bin/env python3
"""Re-express a dvcqg-ndjson export as a vendor-style CSV export (SPEC §2.3 default headers),
for the CSV throughput benchmark and format-equivalence checks.
    python3 scripts/bench/ndjson_to_csv.py IN.ndjson.gz OUT.csv.gz
"""
import csv, gzip, io, json, sys

HEADERS = [("MaHoSo", "Mã hồ sơ"), ("MaDonVi", "Mã đơn vị"), ("MaTTHC", "Mã TTHC"), ("MaLinhVuc", "Mã lĩnh vực"),
           ("KenhThucHien", "Kênh thực hiện"), ("MucDo", "Mức độ"), ("TrangThaiHoSo", "Trạng thái"),
           ("NgayTiepNhan", "Ngày tiếp nhận"), ("NgayHenTra", "Ngày hẹn trả"), ("NgayKetThucXuLy", "Ngày kết thúc xử lý"),
           ("NgayTra", "Ngày trả kết quả"), ("HinhThuc", "Hình thức trả kết quả"),
           ("DuocThanhToanTrucTuyen", "Thanh toán trực tuyến"), ("HoSoCoThanhPhanSoHoa", "Số hóa"),
           ("DanhSachLePhi", "Có phí"), ("DanhSachGiayToKetQua", "Có kết quả điện tử"),
           ("ChuHoSo", "Chủ hồ sơ"), ("DiaChiChuHoSo", "Địa chỉ")]

def fee(v):
    if not isinstance(v, list): return "0"
    for e in v:
        g = e.get("Gia") if isinstance(e, dict) else None
        try:
            if g is not None and float(str(g).strip()) > 0: return "1"
        except ValueError:
            pass
    return "0"

def result(v):
    if not isinstance(v, list): return "0"
    return "1" if any(isinstance(e, dict) and e.get("DuongDanTepTinKetQua") not in (None, "") for e in v) else "0"

def main():
    src, dst = sys.argv[1], sys.argv[2]
    opener = gzip.open if src.endswith(".gz") else open
    with opener(src, "rt", encoding="utf-8") as f, gzip.open(dst, "wt", encoding="utf-8", newline="", compresslevel=6) as out:
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow([h for _, h in HEADERS])
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            row = []
            for key, _ in HEADERS:
                v = r.get(key)
                if key == "DanhSachLePhi": v = fee(v)
                elif key == "DanhSachGiayToKetQua": v = result(v)
                elif v is None: v = ""
                row.append(str(v))
            w.writerow(row)

if __name__ == "__main__":
    main()
