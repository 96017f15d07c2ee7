#!/usr/bin/env python3
"""Checks the DuckDB oracle against SPEC §5.2a (tt01) and the same dossiers under qd766.

    python3 scripts/oracle/check_worked_example.py

Runs counters.py on worked-example.ndjson (the eight dossiers A-H of §5.2a, unit
000.00.06.H56, period 2024-03-01 … 2024-03-31), then on a variant that writes the same local
dates in other §2.4 forms and English status codes, with a superseded earlier record and a
rejected later one, gzip-compressed — the counters must be identical. Exit 0 when all pass.
"""
import csv
import gzip
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
UNIT = "000.00.06.H56"

# SPEC §5.2a: B carried_over + late; C new + on time; D new + within (due = to); E new +
# overdue; F carried_over + within (status 5); G new + on time + withdrawn; H new + within.
EXPECTED = {
    "tt01": dict(new_online=0, new_direct=5, new_postal=0, new_offline=5, carried_over=2,
                 received_total=7, resolved_total=3, resolved_early=0, resolved_on_time=2,
                 resolved_late=1, withdrawn=1, pending_total=4, pending_within=3,
                 pending_overdue=1),
    # qd766: G (7) by dates is late (03-25 > 03-21); F (5) by dates is overdue (02-15 < 03-31).
    "qd766": dict(new_online=0, new_direct=5, new_postal=0, new_offline=5, carried_over=2,
                  received_total=7, resolved_total=3, resolved_early=0, resolved_on_time=1,
                  resolved_late=2, withdrawn=1, pending_total=4, pending_within=2,
                  pending_overdue=2),
}


def variant(path_in: str, path_out: str) -> None:
    recs = [json.loads(line) for line in open(path_in, encoding="utf-8")]
    a, b, c, d, e, f, g, h = recs
    stale_c = dict(c, TrangThaiHoSo=4)
    del stale_c["NgayKetThucXuLy"]
    a["NgayTiepNhan"] = "2024-02-20T02:00:00Z"              # 09:00 local
    b["NgayKetThucXuLy"] = "2024-02-29T18:30:00Z"           # 01:30 local on 03-01
    c["NgayKetThucXuLy"] = "12/03/2024"
    c["NgayHenTra"] = "2024-03-12 17:00:00"
    d["NgayHenTra"] = "2024-03-31T17:00:00.123456789+07:00"
    e["TrangThaiHoSo"] = "processing"
    e["NgayTiepNhan"] = "05/03/2024 09:00"
    f["TrangThaiHoSo"] = "Waiting"
    f["KenhThucHien"] = "1"
    del f["MaDonVi"]                                       # derived from MaHoSo
    g["TrangThaiHoSo"] = "cancelled"
    g["MaTTHC"] = "1.000001.000.00.00.H56"
    h["NgayTiepNhan"] = "20240330"
    h["NgayKetThucXuLy"] = "2024-04-01T20:00:00-05:00"     # 08:00 local on 04-02
    bad_d = dict(d, TrangThaiHoSo=11, NgayKetThucXuLy="20240310100000")
    lines = [stale_c, a, b, c, d, e, f, g, h, bad_d]
    text = "".join(json.dumps(r, ensure_ascii=True) + "\r\n" for r in lines) + "{\"MaHoSo\":"
    with open(path_out, "wb") as out:
        out.write(gzip.compress(text.encode("utf-8"), mtime=0))


def run(files, rules, tmp):
    units = os.path.join(tmp, "units.csv")
    with open(units, "w", encoding="utf-8") as fo:
        fo.write("unit_code,unit_name,tier,parent_code\n%s,Sở Tư pháp,so_nganh,\n" % UNIT)
    out = os.path.join(tmp, "counters-%s.csv" % rules)
    subprocess.run([sys.executable, os.path.join(HERE, "counters.py"), "--units", units,
                    "--kind", "month", "--from", "2024-03-01", "--to", "2024-03-31",
                    "--rules", rules, "--breakdown", "--out", out] + files,
                   check=True, stderr=subprocess.DEVNULL)
    with open(out, encoding="utf-8", newline="") as fi:
        return list(csv.DictReader(fi))


def main() -> int:
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        plain = os.path.join(HERE, "worked-example.ndjson")
        gz = os.path.join(tmp, "variant.ndjson.gz")
        variant(plain, gz)
        for label, files in (("plain", [plain]), ("variant", [gz])):
            for rules, want in EXPECTED.items():
                rows = run(files, rules, tmp)
                keys = [(r["unit_code"], r["scope"], r["sector_code"]) for r in rows]
                if keys != [(UNIT, "own", ""), (UNIT, "own", "G09-TP05")]:
                    print("FAIL %s %s: rows %s" % (label, rules, keys))
                    failures += 1
                    continue
                for row in rows:
                    got = {k: int(row[k]) for k in want}
                    ok = got == want and row["period"] == "2024-03" and row["partial"] == "false"
                    print("%s %-7s %-5s %-8s %s" % ("ok  " if ok else "FAIL", label, rules,
                                                   row["sector_code"] or "total",
                                                   "" if ok else "got %s want %s" % (got, want)))
                    failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
