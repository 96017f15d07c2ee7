#!/usr/bin/env python3
"""Differential fuzzing of motcua against scripts/fuzz/reference.py (SPEC.md written as Python).

    python3 scripts/fuzz/differential.py --runs 300 --seed 1 [--engine PATH] [--keep]
    python3 scripts/fuzz/differential.py --replay scripts/fuzz/failures/1-17

Each run generates a small random case (catalogs, 1–4 data files, pipeline.yaml, case.json)
in a temporary directory, runs `motcua run pipeline.yaml --quiet --out OUT --threads 2` and
the reference on case.json, and compares counters.csv (bytes), rejects (file, line, reason),
and summary.json (accounting, rejects_by_reason, unknown_units, per-input figures, periods).
A mismatch is saved under scripts/fuzz/failures/<seed>-<run>/ (original case in orig/,
minimized case beside it, with `diff.txt`). Standard library only.
"""
import argparse
import csv
import datetime as dt
import gzip
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import reference  # noqa: E402

# Generator features that can be switched off (--avoid a,b) once a mismatch class is known,
# so that the next runs find other classes.
FEATURES = {
    "eres-nonstring": "DuongDanTepTinKetQua that is a number or an array",
    "neg-zero": "code field written as the JSON integer -0",
    "asof-early": "--as-of before the first period begins (no period left)",
    "corrupt-inside": "salvage of a gzip member whose CRC/ISIZE or deflate data is damaged",
}
AVOID = set()
ENGINE_ARGS = []      # extra arguments for every `motcua run` (--engine-args)

# ====================================================================== engine

def find_engine(path):
    if path:
        return path
    cand = os.path.join(REPO, ".build", "release", "motcua")
    if os.path.exists(cand):
        return cand
    own = os.path.join(REPO, ".build-fuzz", "release", "motcua")
    if not os.path.exists(own):
        subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-fuzz"],
                       cwd=REPO, check=True)
    return own

# ====================================================================== JSON text builder

class Raw:
    """A JSON fragment written verbatim."""
    def __init__(self, text):
        self.text = text


def enc_str(rng, s, escape_p=0.1):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20:
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b",
                        "\f": "\\f"}.get(ch, "\\u%04x" % o))
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\\u%04x" % o)             # lone surrogate (only via escape)
        elif rng.random() < escape_p:
            if o > 0xFFFF:
                v = o - 0x10000
                out.append("\\u%04X\\u%04x" % (0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF)))
            elif ch == "/" and rng.random() < 0.5:
                out.append("\\/")
            else:
                out.append(("\\u%04X" if rng.random() < 0.5 else "\\u%04x") % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def enc(rng, v, escape_p=0.05):
    if isinstance(v, Raw):
        return v.text
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return enc_str(rng, v, escape_p)
    if isinstance(v, list):
        return "[" + ",".join(enc(rng, x, escape_p) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(enc_str(rng, k, 0) + ":" + enc(rng, x, escape_p)
                              for k, x in v.items()) + "}"
    if isinstance(v, tuple):        # ordered pairs, may repeat keys
        return "{" + ",".join(enc_str(rng, k, 0) + ":" + enc(rng, x, escape_p)
                              for k, x in v) + "}"
    raise TypeError(v)

# ====================================================================== case generator

TIERS_CHILD = {"tinh": ["so_nganh", "huyen"], "huyen": ["xa"], "so_nganh": [], "xa": []}
WEIRD_TEXT = ["=SUM(A1)", "+84 912", "-x", "@cmd", "\tTAB", "a,b", 'say "hi"', "Đơn vị ở xã",
              "line1\nline2", "plain"]
NAMES = ["a\rb", "UBND tỉnh Thanh Hóa", "Sở Tư pháp", "Sở Văn hóa, Thể thao và Du lịch", "UBND huyện A",
         "UBND xã Quảng Phú", "Phòng \"Một cửa\"", "=HYPERLINK(\"x\")", "-Ban", "+Hội", "@x"]
OFFSETS = ["Z", "+07:00", "+00:00", "-05:00", "+09:00", "-12:00", "+14:00", "+05:45",
           "-03:30", "+13:00"]
STATUS_WORDS = ["receiving", "new", "denied", "processing", "waiting", "paying", "cancelled",
                "unresolved", "releasing", "done"]


def rand_case(rng):
    c = {}
    c["tz"] = rng.choice(["+07:00"] * 6 + ["+00:00", "-05:00", "+05:45", "+14:00", "-12:00"])
    kinds = ["day", "week", "month", "quarter", "half", "year", "nd09-month", "nd09-quarter",
             "nd09-half", "nd09-year", "custom"]
    c["kind"] = rng.choice(kinds)
    anchor = rng.choice([dt.date(2023, 11, 1), dt.date(2023, 11, 1), dt.date(2020, 11, 20),
                         dt.date(2024, 11, 20), dt.date(2026, 11, 20), dt.date(2015, 11, 20)])
    frm = anchor + dt.timedelta(days=rng.randrange(0, 200))
    span = {"day": 12, "week": 50}.get(c["kind"], 150)
    to = frm + dt.timedelta(days=rng.randrange(0, span))
    c["from"], c["to"] = frm, to
    # what the pipeline says, and what the command line overrides (SPEC §4)
    c["pipe_kind"], c["pipe_from"], c["pipe_to"] = c["kind"], frm, to
    c["cli_periods"] = []
    r = rng.random()
    if r < 0.12 and c["kind"] != "custom":
        d0 = frm + dt.timedelta(days=rng.randrange(0, (to - frm).days + 1))
        s0, e0, lab = reference.period_containing(c["kind"], d0)
        c["cli_periods"] = ["--period", lab]
        if rng.random() < 0.5:          # --kind on the command line, other kind in the file
            c["cli_periods"] += ["--kind", c["kind"]]
            c["pipe_kind"] = rng.choice([k for k in kinds if k != "custom"])
        c["from"] = c["to"] = s0
    elif r < 0.2:
        f2 = frm + dt.timedelta(days=rng.randrange(-20, 20))
        t2 = f2 + dt.timedelta(days=rng.randrange(0, span))
        c["cli_periods"] = ["--from", f2.isoformat(), "--to", t2.isoformat()]
        c["from"], c["to"] = f2, t2
    c["as_of"] = None
    if rng.random() < 0.3:
        f0, t0 = c["from"], c["to"]
        lo = -5 if "asof-early" not in AVOID else 0
        c["as_of"] = f0 + dt.timedelta(days=rng.randrange(lo, (t0 - f0).days + 10))
    c["rules"] = rng.choice(["tt01", "qd766"])
    c["rules_on_cli"] = rng.random() < 0.3
    c["breakdown"] = rng.random() < 0.5
    c["max_line_bytes"] = rng.choice([None, None, None, 700, 900, 1200, 2000])
    c["threads1"] = rng.random() < 0.2          # also run --threads 1 and compare bytes
    c["chunk_bytes"] = rng.choice([None, None, None, 1, 7, 64, 333, 4096])

    # --- units.csv
    units = []
    if rng.random() < 0.8:
        n_roots = rng.choice([1, 1, 1, 2])
        code_i = [0]

        def new_code():
            code_i[0] += 1
            if rng.random() < 0.05:
                return rng.choice(["-000.00.99.H56", "=X", "ĐV.01", "a,b", "000.00.%02d.h56"
                                   % code_i[0]])
            return "000.%02d.%02d.H56" % (code_i[0] // 7, code_i[0] % 100)

        def add(parent, tier, depth):
            code = new_code()
            if any(u[0] == code for u in units):
                return
            name = rng.choice(NAMES) if rng.random() < 0.7 else rng.choice(WEIRD_TEXT)
            units.append((code, name, tier, parent))
            if depth < 2:
                for _ in range(rng.randrange(0, 3)):
                    kids = TIERS_CHILD[tier]
                    if kids:
                        add(code, rng.choice(kids), depth + 1)
        for _ in range(n_roots):
            add("", rng.choice(["tinh", "tinh", "huyen"]), 0)
        rng.shuffle(units)   # file order is not tree order; parents must still exist
    c["units"] = units if units else None
    c["units_present"] = bool(units)

    # --- procedures.csv
    procs = []
    proc_codes = ["1.%06d" % rng.randrange(1000, 1100) for _ in range(rng.randrange(2, 7))]
    proc_codes = sorted(set(proc_codes))
    if rng.random() < 0.7:
        seen = set()
        for p in proc_codes:
            for tier in rng.sample(["tinh", "huyen", "xa"], rng.randrange(1, 4)):
                sec = rng.choice(["G09-TP01", "G01-XD02", "G12-TN01", "=SEC", "-S", "a,b",
                                  "Lĩnh vực", "G09-TP01"])
                code = p + (".000.00.00.H56" if rng.random() < 0.2 else "")
                if (p, tier, "") not in seen:
                    seen.add((p, tier, ""))
                    procs.append((code, "Thủ tục " + p, sec, "Tên " + sec, tier,
                                  rng.choice("234"), ""))
            # unit-specific rows
            if units and rng.random() < 0.3:
                u = rng.choice(units)
                tier = {"tinh": "tinh", "so_nganh": "tinh", "huyen": "huyen", "xa": "xa"}[u[2]]
                if (p, tier, u[0]) not in seen:
                    seen.add((p, tier, u[0]))
                    procs.append((p, "Riêng " + p, rng.choice(["G77-RI01", "G01-XD02"]),
                                  "Riêng", tier, rng.choice("234"), u[0]))
        rng.shuffle(procs)
    c["procs"] = procs if procs else None
    c["proc_codes"] = proc_codes + ["1.009999"]

    # --- records
    n = rng.randrange(5, 201)
    c["clean"] = rng.random() < 0.25        # mostly valid records: exercise the counters
    if c["clean"] and rng.random() < 0.3:
        n = rng.randrange(200, 2000)
    unit_codes = [u[0] for u in units] or ["000.00.06.H56"]
    unknown = ["000.00.77.H56", "=EVIL", "-1", "X,Y", "Phòng ĐV", "000.00.06.H56", "\tTAB",
               "\rCR", 'q"q', "+84", "@u", "a\nb", " sp ", "ĐV\ud800", "ĐV\udfff", "ĐV\ufffd",
               "\U0001F600x"]
    npool = max(1, int(n * rng.uniform(0.3, 1.0)))
    ids = []
    for i in range(npool):
        u = rng.choice(unit_codes) if rng.random() < 0.9 else rng.choice(unknown)
        r = rng.random()
        if r < 0.6:
            ids.append(("%s-2401%02d-%04d" % (u, i % 28 + 1, i), u))
        elif r < 0.8:
            ids.append(("HS%05d" % i, u))
        elif r < 0.95:
            ids.append(("x%d-abc-%d" % (i, i), u))
        else:   # ids that are equal only after unescaping / U+FFFD replacement
            ids.append((rng.choice(["HS\ud800", "HS\udbff", "HS\ufffd", "HS\U0001F600",
                                    "HS\ud83d", "%s-\udc00" % u]), u))
    recs = [gen_line(rng, c, ids, unit_codes, unknown) for _ in range(n)]

    # --- files
    nfiles = rng.randrange(1, 5)
    cuts = sorted(rng.sample(range(1, n), min(nfiles - 1, n - 1))) if n > 1 else []
    chunks = []
    prev = 0
    for ct in cuts + [n]:
        chunks.append(recs[prev:ct])
        prev = ct
    files = []
    subdir = rng.random() < 0.2
    for i, ch in enumerate(chunks):
        gz = rng.random() < 0.6
        name = "hoso-2024-01-%02d.ndjson%s" % (i + 1, ".gz" if gz else "")
        if rng.random() < 0.1:        # a name that does not tell the format
            name = "hoso-2024-01-%02d.ndjson%s" % (i + 1, "" if gz else ".gz")
        if subdir and i % 2 == 1:
            name = "sub/" + name
        files.append(dict(name=name, lines=ch, gzip=gz,
                          members=rng.choice([1, 1, 2, 3, 5]) if gz else 0,
                          empty_member=gz and rng.random() < 0.15,
                          pad=gz and rng.random() < 0.1,
                          bom=rng.random() < 0.2,
                          crlf=rng.choice(["lf", "lf", "crlf", "mixed"]),
                          blank=rng.random() < 0.3,
                          no_final_lf=rng.random() < 0.3,
                          empty=False))
    if rng.random() < 0.05:
        files.append(dict(name="hoso-2024-01-99.ndjson", lines=[], gzip=False, members=0,
                          empty_member=False, pad=False, bom=False, crlf="lf", blank=False,
                          no_final_lf=False, empty=True))
    if rng.random() < 0.05:
        files.append(dict(name="hoso-2024-01-98.ndjson.gz", lines=[], gzip=True, members=1,
                          empty_member=False, pad=False, bom=False, crlf="lf", blank=False,
                          no_final_lf=False, empty=False))
    c["on_corrupt"] = None
    gz = [f for f in files if f["gzip"] and f["lines"]]
    if gz and rng.random() < 0.15:
        c["on_corrupt"] = rng.choice(["skip", "salvage", "salvage", "salvage", "fail"])
        kind = rng.choice(["truncate", "truncate", "crc", "garbage", "deflate"])
        if "corrupt-inside" in AVOID and kind in ("crc", "deflate") and c["on_corrupt"] == "salvage":
            kind = "truncate"
        rng.choice(gz)["corrupt"] = kind
    c["files"] = files
    c["cat_bom"] = rng.random() < 0.2
    c["cat_crlf"] = rng.random() < 0.2
    c["cat_unitcol"] = rng.random() < 0.3
    c["seed_bytes"] = rng.randrange(1 << 30)
    return c


def rand_datestr(rng, c, d, allow_bad=True):
    """Render local date d (pipeline tz) in a random §2.4 form; sometimes invalid."""
    tzmin = reference.parse_offset(c["tz"])
    hh = rng.choice([0, 0, 1, 6, 12, 17, 22, 23, 23, rng.randrange(24)])
    mi, se = rng.randrange(60), rng.randrange(60)
    t = dt.datetime(d.year, d.month, d.day, hh, mi, se)
    if allow_bad and not c["clean"] and rng.random() < 0.04:
        return rng.choice(["31/02/2024", "2024-13-01", "20240230", "2023-02-29",
                           "2024-02-29T24:00:00", "2024-01-05T10:00:00+15:00",
                           "2024-01-05T10:00:00.1234567890Z", "2024-1-5", "5/1/2024",
                           "2024-01-05t10:00:00", " 20240105", "20240105 ", "2024/01/05",
                           "2024-01-05T10:00:00+0700", "2024-01-05T10:00", "202401051000",
                           "05/01/2024 10", "2024-01-05T10:00:00.Z", "2024-01-05 10:00",
                           "2024-01-05T23:59:60", "2024-01-05T10:00:00-14:30",
                           "2024-01-05T10:00:00+14:59", "٢٠٢٤٠١٠٥", "2024-02-29",
                           "29/02/2023", "00/01/2024", "2024-00-10", "2024-01-05T10:00:00z"])
    form = rng.choice(["c14"] * 4 + ["c8", "iso", "iso_off", "iso_off", "iso_off", "ymd_hms",
                                     "ymd", "dmy_hms", "dmy_hm", "dmy"])
    if form == "c14":
        return t.strftime("%Y%m%d%H%M%S")
    if form == "c8":
        return t.strftime("%Y%m%d")
    if form == "ymd_hms":
        return t.strftime("%Y-%m-%d %H:%M:%S")
    if form == "ymd":
        return t.strftime("%Y-%m-%d")
    if form == "dmy_hms":
        return t.strftime("%d/%m/%Y %H:%M:%S")
    if form == "dmy_hm":
        return t.strftime("%d/%m/%Y %H:%M")
    if form == "dmy":
        return t.strftime("%d/%m/%Y")
    frac = ""
    if rng.random() < 0.4:
        frac = "." + "".join(rng.choice("0123456789") for _ in range(rng.randrange(1, 10)))
    if form == "iso":
        return t.strftime("%Y-%m-%dT%H:%M:%S") + frac
    off = rng.choice(OFFSETS)
    offmin = 0 if off == "Z" else reference.parse_offset(off)
    u = t + dt.timedelta(minutes=offmin - tzmin)
    return u.strftime("%Y-%m-%dT%H:%M:%S") + frac + off


CLEAN = [False]


def code_value(rng, n, field_bad):
    """A code field value for n with random encodings, sometimes invalid."""
    r = rng.random()
    if r < 0.03 and not CLEAN[0]:
        v = rng.choice(field_bad)
        if "neg-zero" in AVOID and isinstance(v, Raw) and v.text == "-0":
            v = "x"
        return v
    if r < 0.6:
        return n
    if r < 0.8:
        return str(n)
    if r < 0.9:
        return "0" + str(n)
    return Raw(str(n))


BAD_CODES = [2.0, True, False, " 2", "2 ", "+2", "-1", -1, 99, "abc", "", None, [2], {"v": 2},
             "1e0", Raw("2e0"), Raw("-0"), "٢", 0, "00", Raw("100000000000000000000000002"),
             "000000000000000000000000000000002", "18446744073709551618",
             Raw("18446744073709551617"), Raw("2.5e-3"), Raw("1E400"), Raw("2.0000000000000001"),
             "２", "0x2", "2\u0000"]


def gen_line(rng, c, ids, unit_codes, unknown):
    """Return one line (bytes, without terminator)."""
    CLEAN[0] = c["clean"]
    did, du = rng.choice(ids)
    period_lo = c["from"] - dt.timedelta(days=40)
    span = (c["to"] - c["from"]).days + 60
    recv = period_lo + dt.timedelta(days=rng.randrange(span))
    status = rng.randrange(1, 11)
    end = recv + dt.timedelta(days=rng.choice([0, 0, 1, 2, 5, 10, 20, 40, -1]))
    due = recv + dt.timedelta(days=rng.choice([0, 1, 3, 5, 10, 15, 30]))
    ret = end + dt.timedelta(days=rng.choice([0, 0, 1, 3]))
    # edge of the period(s)
    if rng.random() < 0.3:
        edge = rng.choice([c["from"], c["to"], c["as_of"] or c["to"]])
        which = rng.choice(["recv", "end", "due", "ret"])
        dd = edge + dt.timedelta(days=rng.choice([-1, 0, 1]))
        if which == "recv":
            recv = dd
        elif which == "end":
            end = dd
        elif which == "due":
            due = dd
        else:
            ret = dd

    f = []   # ordered (key, value) pairs

    def put(k, v):
        if v == "__absent__":
            return
        f.append((k, v))

    mh = did
    if rng.random() < 0.02:
        mh = rng.choice([None, "", 12345, True, ["x"]])
    elif rng.random() < 0.03:       # MaDonVi derivation edge cases
        mh = rng.choice(["000.00.06.H5\uff16-1", "000.00.06.h56-1", "000.00.06.H56--x",
                         "-000.00.06.H56", "000.00.06.H56", "000.00.06.H56 -1", " 000.00.06.H56-1",
                         "000.00.06.H567-1", "0000.00.06.H56-1", "000.00.06.\u1EA056-1",
                         "000.00.06.H56-", "000-00.06.H56", "000.00.06.H56\n-1"])
    put("MaHoSo", mh)
    r = rng.random()
    if r < 0.75:
        put("MaDonVi", du)
    elif r < 0.95:
        put("MaDonVi", rng.choice(["__absent__", None, ""]))
    else:
        put("MaDonVi", rng.choice([123, True, {"a": 1}, rng.choice(unknown)]))
    r = rng.random()
    if r < 0.75:
        p = rng.choice(c["proc_codes"])
        if rng.random() < 0.2:
            p += rng.choice([".000.00.00.H56", ".001.02.03.X99", ".000.00.00.h56", ".000.00.H56"])
        put("MaTTHC", p)
    elif r < 0.9:
        put("MaTTHC", rng.choice(["__absent__", None, "", ".000.00.00.H56"]))
    elif r < 0.95:
        put("MaTTHC", rng.choice([1.001, 7, "=P1", "-PX"]))
    else:
        p = rng.choice(c["proc_codes"])
        put("MaTTHC", rng.choice([p + ".000.00.00.H56\n", p + ".000.00.00.H56.000.00.00.H56",
                                  p + ".000.00.00.H56 ", p + ".٠٠٠.00.00.H56", " " + p,
                                  p + ".000.00.00.\u0048\u0035\u0036"]))
    if rng.random() < 0.3:
        put("MaLinhVuc", rng.choice(["G09-TP01", "G55-XX01", "", None, "=LV", "Lĩnh,vực", 5,
                                     "LV\udc00", "LV\ufffd", "G09-TP01"]))
    r = rng.random()
    if r < 0.8:
        put("KenhThucHien", code_value(rng, rng.choice([1, 2, 2, 3]), BAD_CODES))
    else:
        put("KenhThucHien", rng.choice(["__absent__", None, ""]))
    if rng.random() < 0.7:
        put("MucDo", code_value(rng, rng.choice([2, 3, 4]), BAD_CODES + [1, 5]))
    # status
    r = rng.random()
    if r < 0.55:
        sv = status
    elif r < 0.75:
        sv = str(status) if rng.random() < 0.7 else "0" + str(status)
    elif r < 0.93:
        w = STATUS_WORDS[status - 1]
        sv = rng.choice([w, w.upper(), w.capitalize(), "".join(
            ch.upper() if rng.random() < 0.5 else ch for ch in w)])
    elif r < 0.97:
        sv = rng.choice([0, 11, "Done ", " done", 9.0, True, "nEw", "compl", "DONE", "K",
                         "proceſsing", "10.0", Raw("1e1"), "", None, "__absent__", "-3"])
    else:
        sv = Raw(str(status))
    # compute the status for required-field decisions
    put("TrangThaiHoSo", sv)

    def date_or(k, d, p_absent):
        if rng.random() < p_absent:
            put(k, rng.choice(["__absent__", None, ""]))
        elif rng.random() < 0.01:
            put(k, rng.choice([20240105, True, ["20240105"], {"d": 1}]))
        else:
            put(k, rand_datestr(rng, c, d))

    date_or("NgayTiepNhan", recv, 0.15 if status in (1, 3) else 0.03)
    date_or("NgayHenTra", due, 0.2)
    date_or("NgayKetThucXuLy", end, 0.03 if status in (7, 8, 9, 10) else 0.75)
    date_or("NgayTra", ret, 0.3 if status in (9, 10) else 0.8)
    if rng.random() < 0.6:
        put("HinhThuc", code_value(rng, rng.choice([0, 1]), BAD_CODES))
    if rng.random() < 0.6:
        put("DuocThanhToanTrucTuyen", code_value(rng, rng.choice([0, 1, 2, 3]), BAD_CODES))
    if rng.random() < 0.6:
        put("HoSoCoThanhPhanSoHoa", code_value(rng, rng.choice([0, 1]), BAD_CODES))
    r = rng.random()
    if r < 0.5:
        els = []
        for _ in range(rng.randrange(0, 4)):
            g = rng.choice([0, 50000, -5, 1.5, 0.0, "50000", " 1000 ", "+3", "-3", "0.00",
                            "1e3", "abc", ".5", "5.", True, None, "\t7\r\n", "0", "00.01",
                            Raw("1E2"), Raw("-0.0"), "１２"])
            el = {"TenPhiLePhi": "Lệ phí", "Gia": g}
            if rng.random() < 0.1:
                el = rng.choice([5, "x", None, [1], (("Gia", 100), ("Gia", 0)),
                                 (("Gia", 0), ("Gia", 100))])
            els.append(el)
        put("DanhSachLePhi", els)
    elif r < 0.6:
        put("DanhSachLePhi", rng.choice([{"Gia": 100}, "100", 100, None, ""]))
    r = rng.random()
    if r < 0.4:
        els = []
        for _ in range(rng.randrange(0, 3)):
            v = rng.choice(["", "http://x/kq.pdf", None, "__absent__", "/a/b", 0, [], "\u0000x"])
            if "eres-nonstring" in AVOID and not isinstance(v, str) and v is not None:
                v = "/c"
            el = {"TenGiayTo": "KQ"}
            if v != "__absent__":
                el["DuongDanTepTinKetQua"] = v
            els.append(el)
        put("DanhSachGiayToKetQua", els)
    elif r < 0.5:
        put("DanhSachGiayToKetQua", rng.choice([{"DuongDanTepTinKetQua": "x"}, "x", 1]))
    # ignored fields, incl. nested look-alikes
    if rng.random() < 0.4:
        put("ChuHoSo", {"HoTen": "Nguyễn Văn A 😀", "MaDonVi": "999.99.99.Z99",
                        "TrangThaiHoSo": 99, "NgayTiepNhan": "garbage"})
    if rng.random() < 0.2:
        put("QuaTrinhXuLy", [{"TrangThaiHoSo": "xx", "NgayKetThucXuLy": "bad"}, [1, [2, [3]]]])
    if rng.random() < 0.1:
        put("GhiChu", rng.choice(["\ud800", "a\udc00b", "😀\ud83d", "x\u0000y", "tab\there"]))
    if rng.random() < 0.05:
        put("NaNField", rng.choice([1e308, -0.0, 123456789012345678901234567890, 1e-300]))
    if rng.random() < 0.05:   # look-alike keys that are not the fields
        put(rng.choice(["mahoso", "MaHoSo ", "TRANGTHAIHOSO", "NgayTiepNhan\u0000",
                        "MaDonVi\t", "kenhthuchien"]), rng.choice(["x", 1, None]))
    if rng.random() < 0.05:
        put("Brackets", rng.choice(["[[[[[[[[[[" * 10, "{{{{{" * 20, "\\\"[{", "]]]]}}}}"]))
    rng.shuffle(f) if rng.random() < 0.2 else None
    # duplicate key: an earlier value that the later one overrides
    if rng.random() < 0.08 and f:
        k, v = rng.choice(f)
        junk = rng.choice(["junk", None, 42, "", {"x": 1}])
        f.insert(0, (k, junk))
    if rng.random() < 0.05 and f:       # later duplicate changes the value
        k, _ = rng.choice(f)
        f.append((k, rng.choice(["", None, "7", 7, "abc"])))

    esc = rng.choice([0.0, 0.0, 0.0, 0.05, 0.3])
    pieces = []
    for k, v in f:
        ks = enc_str(rng, k, 0.3 if rng.random() < 0.03 else 0.0)
        sep = rng.choice([":", ":", " : ", ":\t"]) if rng.random() < 0.1 else ":"
        pieces.append(ks + sep + enc(rng, v, esc))
    body = "{" + rng.choice([",", ",", ", "]).join(pieces) + "}"
    if rng.random() < 0.05:
        body = rng.choice([" ", "\t", "\r", " \r "]) + body + rng.choice([" ", "\t", "\r", ""])
    if rng.random() < 0.03:       # depth probe around the 64 limit
        depth = rng.choice([62, 63, 64, 65, 66])
        nest = "[" * (depth - 1) + "]" * (depth - 1)
        body = body[:-1] + (',' if f else '') + '"Deep":' + nest + "}"
        if rng.random() < 0.5:
            nest2 = "{\"a\":" * (depth - 1) + "1" + "}" * (depth - 1)
            body = body[:-1] + ',"Deep2":' + nest2 + "}"
    line = body.encode("utf-8", errors="surrogatepass")
    # line-level mutations
    r = rng.random()
    if c["clean"]:
        r = 1.0
    if r < 0.03:
        bad = rng.choice([b"\xff", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82",
                          b"\xf4\x90\x80\x80", b"\x80", b"\xf0\x9f\x98"])
        i = line.find(b'"', rng.randrange(len(line)))
        if i < 0:
            i = 1
        line = line[:i + 1] + bad + line[i + 1:]
    elif r < 0.07:
        mut = rng.choice(["trunc", "trail_comma", "nan", "inf", "array", "null", "num", "extra",
                          "ctrl", "single", "comment", "nul", "empty_obj", "bom_mid", "lead_zero",
                          "bad_escape", "deep5000", "dup_all"])
        if mut == "trunc":
            line = line[:rng.randrange(1, len(line))]
        elif mut == "trail_comma":
            line = line[:-1] + b",}"
        elif mut == "nan":
            line = line[:-1] + b',"Gia2":NaN}'
        elif mut == "inf":
            line = line[:-1] + rng.choice([b',"X":Infinity}', b',"X":-Infinity}'])
        elif mut == "array":
            line = b"[" + line + b"]"
        elif mut == "null":
            line = rng.choice([b"null", b"1", b'"s"', b"[]", b"true"])
        elif mut == "num":
            line = line[:-1] + rng.choice([b',"X":01}', b',"X":1.}', b',"X":.5}', b',"X":+1}',
                                           b',"X":0x10}'])
        elif mut == "extra":
            line = line + rng.choice([b" {}", b"x", b"}", b" ,"])
        elif mut == "ctrl":
            line = line[:-1] + b',"X":"a\tb"}'
        elif mut == "single":
            line = line[:-1] + b",'X':1}"
        elif mut == "comment":
            line = line[:-1] + b"/*c*/}"
        elif mut == "nul":
            line = line + b"\x00"
        elif mut == "empty_obj":
            line = b"{}"
        elif mut == "bom_mid":
            line = b"\xef\xbb\xbf" + line
        elif mut == "lead_zero":
            line = line[:-1] + b',"X":-01}'
        elif mut == "bad_escape":
            line = line[:-1] + rng.choice([b',"X":"\\x"}', b',"X":"\\u12"}', b',"X":"\\uD800\\u"}',
                                           b',"X":"\\U0041"}', b',"X":"\\\'"}'])
        elif mut == "deep5000":
            line = line[:-1] + b',"X":' + b"[" * 5000 + b"]" * 5000 + b"}"
        elif mut == "dup_all":      # the whole record again with an empty object last
            line = line[:-1] + b"," + line[1:-1] + b',"MaHoSo":{}}'
    if c["max_line_bytes"] and rng.random() < 0.15:
        # pad to the limit ± 2 with an ignored field
        target = c["max_line_bytes"] + rng.choice([-2, -1, 0, 0, 1, 2, 50])
        pad_key = b',"Pad":"'
        if line.endswith(b"}") and len(line) + len(pad_key) + 2 <= target:
            fill = target - len(line) - len(pad_key) - 1
            line = line[:-1] + pad_key + b"x" * (fill - 1) + b'"}'
    return line


def build_file(rng, spec):
    if spec["empty"]:
        return b""
    parts = []
    if spec["bom"]:
        parts.append(b"\xef\xbb\xbf")
    lines = spec["lines"]
    for i, line in enumerate(lines):
        if spec["blank"] and rng.random() < 0.1:
            parts.append(rng.choice([b"\n", b"\r\n"]))
        if spec["blank"] and rng.random() < 0.03:       # not blank: these are records
            parts.append(rng.choice([b" \n", b"\t\r\n", b"\r\r\n", b"\r\n\r", b"\xef\xbb\xbf\n",
                                     b"\x00\n", b"\r \n"]))
        if i + 1 < len(lines) and rng.random() < 0.01:  # two records joined by a lone CR
            line = line + b"\r" + lines[i + 1]
        term = {"lf": b"\n", "crlf": b"\r\n"}.get(spec["crlf"]) or rng.choice([b"\n", b"\r\n"])
        if i == len(lines) - 1 and spec["no_final_lf"]:
            term = b""
        parts.append(line + term)
    if spec["blank"] and not spec["no_final_lf"] and rng.random() < 0.3:
        parts.append(rng.choice([b"\n", b"\n", b"\r", b"\r\n\r\n", b" "]))
    text = b"".join(parts)
    if not spec["gzip"]:
        return text
    k = max(1, spec["members"])
    cuts = sorted(rng.randrange(0, len(text) + 1) for _ in range(k - 1))
    if cuts and rng.random() < 0.3:       # split the BOM or a CRLF across members
        crlf = text.find(b"\r\n")
        cuts[0] = rng.choice([1, 2, crlf + 1 if crlf >= 0 else 1])
        cuts.sort()
    out = []
    prev = 0
    for ct in cuts + [len(text)]:
        out.append(gzip.compress(text[prev:ct], compresslevel=rng.choice([1, 6, 9]), mtime=0))
        prev = ct
        if spec["empty_member"] and rng.random() < 0.5:
            out.append(gzip.compress(b"", mtime=0))
    if spec["pad"]:
        out.append(b"\x00" * rng.randrange(1, 30))
    data = b"".join(out)
    cor = spec.get("corrupt")
    if cor:
        data = corrupt_bytes(rng, data, out, cor)
    return data


def corrupt_bytes(rng, data, members, kind):
    """Damage a gzip file (SPEC §2.1 corrupt): truncate, flip a CRC/ISIZE byte, add garbage."""
    ends = []
    acc = 0
    for m in members:
        acc += len(m)
        ends.append(acc)
    if kind == "truncate":
        k = rng.choice([rng.randrange(1, len(data)), len(data) - rng.randrange(1, 9),
                        len(data) - 8, rng.randrange(1, 12), len(data) - 1])
        return data[:max(1, k)]
    if kind == "crc":
        e = rng.choice(ends)
        i = e - rng.randrange(1, 9)              # CRC32 (−8..−5) or ISIZE (−4..−1)
        return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1:]
    if kind == "garbage":
        return data + rng.choice([b"junk", b"\x00\x00junk", b"\x1f", b"\x1f\x8b\x08",
                                  b"\n{}\n", b"\x00\x01"])
    if kind == "deflate":
        i = rng.randrange(10, max(11, ends[0] - 8))
        return data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
    raise ValueError(kind)


def write_csv(rows, bom=False, crlf=False):
    t = "".join(",".join(reference.csv_cell(str(v), False) for v in r) + ("\r\n" if crlf else "\n")
                for r in rows)
    return ("\ufeff" if bom else "") + t


def write_case(c, d):
    """Materialize case c into directory d (pipeline.yaml, case.json, catalogs, data/)."""
    rng = random.Random(c["seed_bytes"])
    os.makedirs(os.path.join(d, "data"), exist_ok=True)
    cat = {}
    if c["units"]:
        with open(os.path.join(d, "units.csv"), "w", encoding="utf-8", newline="") as fo:
            fo.write(write_csv([("unit_code", "unit_name", "tier", "parent_code")] + c["units"],
                               c["cat_bom"], c["cat_crlf"]))
        cat["units"] = "units.csv"
    if c["procs"]:
        with_unit = c["cat_unitcol"] or any(p[6] for p in c["procs"])
        head = ["procedure_code", "procedure_name", "sector_code", "sector_name", "tier",
                "service_level"] + (["unit_code"] if with_unit else [])
        rows = [p if with_unit else p[:6] for p in c["procs"]]
        with open(os.path.join(d, "procedures.csv"), "w", encoding="utf-8", newline="") as fo:
            fo.write(write_csv([head] + rows, c["cat_bom"], c["cat_crlf"]))
        cat["procedures"] = "procedures.csv"
    for spec in c["files"]:
        p = os.path.join(d, "data", spec["name"])
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as fo:
            fo.write(build_file(rng, spec))
    with open(os.path.join(d, "data", "notes.txt"), "w") as fo:
        fo.write("not an input\n")
    names = [s["name"] for s in c["files"]]
    if any("/" in nm for nm in names):
        pats = ["data/**/*.ndjson*"]
        if all(any(nm.endswith(e) for nm in names) for e in (".ndjson", ".gz")):
            pats = ["data/**/*.ndjson", "data/**/*.gz"]
    else:
        pats = rng.choice([["data/*.ndjson*"], ["data/hoso-*"], ["data/*.ndjson*", "data/*"],
                           ["data/[!n]*"], ["data/hoso-????-??-??.*"], ["data/**/hoso*"]])
    inputs = [pats]
    if len(c["files"]) > 1 and c["seed_bytes"] % 4 == 0:
        inputs.append(["data/hoso-2024-01-0[1-2].ndjson*"])      # overlapping second input
    lines = ["version: 1", "name: fuzz"]
    if c["tz"] != "+07:00" or c["seed_bytes"] % 3:       # default timezone +07:00 (§3.5)
        lines.append('timezone: "%s"' % c["tz"])
    lines.append("inputs:")
    for ps in inputs:
        lines += ["  - format: dvcqg-ndjson",
                  "    paths: [%s]" % ", ".join('"%s"' % p for p in ps)]
    if cat:
        lines.append("catalogs: { %s }" % ", ".join("%s: %s" % kv for kv in cat.items()))
    lines.append("periods: { kind: %s, from: %s, to: %s }" % (c["pipe_kind"], c["pipe_from"],
                                                              c["pipe_to"]))
    if not c["rules_on_cli"] and (c["rules"] != "tt01" or c["seed_bytes"] % 5):
        lines.append("rules: %s" % c["rules"])            # default tt01 (§3.5)
    if c["breakdown"]:
        lines.append("breakdown: [sector]")
    lines.append("outputs: { dir: out, formats: [csv, json] }")
    lim = "max_reject_rate: 1.0"
    if c.get("on_corrupt"):
        lim += ", on_corrupt_input: %s" % c["on_corrupt"]
    if c["max_line_bytes"]:
        lim += ", max_line_bytes: %d" % c["max_line_bytes"]
    lines.append("limits: { %s }" % lim)
    with open(os.path.join(d, "pipeline.yaml"), "w", encoding="utf-8") as fo:
        fo.write("\n".join(lines) + "\n")
    case = {"inputs": inputs, "units": cat.get("units"), "procedures": cat.get("procedures"),
            "kind": c["kind"], "from": c["from"].isoformat(), "to": c["to"].isoformat(),
            "as_of": c["as_of"].isoformat() if c["as_of"] else None, "rules": c["rules"],
            "breakdown": c["breakdown"], "timezone": c["tz"],
            "max_line_bytes": c["max_line_bytes"] or 1048576,
            "on_corrupt_input": c.get("on_corrupt") or "fail"}
    with open(os.path.join(d, "case.json"), "w", encoding="utf-8") as fo:
        json.dump(case, fo, indent=1)
    args = list(c["cli_periods"])
    if c["chunk_bytes"]:
        args += ["--chunk-bytes", str(c["chunk_bytes"])]
    if c["as_of"]:
        args += ["--as-of", c["as_of"].isoformat()]
    if c["rules_on_cli"]:
        args += ["--rules", c["rules"]]
    with open(os.path.join(d, "cli-args.json"), "w") as fo:
        json.dump(args, fo)
    if c.get("threads1"):
        with open(os.path.join(d, "check-threads1"), "w") as fo:
            fo.write("also run with --threads 1 and no --chunk-bytes; outputs must be equal\n")
    with open(os.path.join(d, "run.sh"), "w") as fo:
        fo.write("#!/bin/sh\n# motcua vs reference on this case\ncd \"$(dirname \"$0\")\"\n"
                 "${MOTCUA:-motcua} run pipeline.yaml --quiet --out out-engine --threads 2 %s\n"
                 "python3 %s case.json --out out-ref\n"
                 "diff out-ref/counters.csv out-engine/counters.csv\n"
                 % (" ".join(args), os.path.relpath(os.path.join(HERE, "reference.py"), d)))
    # deterministic: building twice gives the same bytes (rng seeded from the case)

# ====================================================================== compare

def run_engine(engine, d, outdir, threads=2, chunks=True):
    args = json.load(open(os.path.join(d, "cli-args.json")))
    if not chunks and "--chunk-bytes" in args:
        i = args.index("--chunk-bytes")
        del args[i:i + 2]
    shutil.rmtree(outdir, ignore_errors=True)
    p = subprocess.run([engine, "run", os.path.join(d, "pipeline.yaml"), "--quiet", "--out",
                        outdir, "--threads", str(threads)] + args + ENGINE_ARGS,
                       capture_output=True, timeout=120)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def compare(engine, d, work):
    """Return (signature set, diff text)."""
    sig = []
    msg = []
    eout = os.path.join(work, "out-engine")
    rc, err = run_engine(engine, d, eout)
    case = json.load(open(os.path.join(d, "case.json"), encoding="utf-8"))
    try:
        ref_csv, ref_rej, ref_sum = reference.run(case, d)
    except reference.ExpectExit as e:
        if rc == e.code:
            return [], ""
        return ["exit:%d-expected-%d" % (rc, e.code)], "engine exit %d, reference: %s\n%s" % (
            rc, e, err[-2000:])
    except Exception as e:  # reference crash: a harness bug
        return ["reference-crash:%s" % type(e).__name__], "reference crashed: %r" % e
    if rc != 0:
        return ["exit:%d" % rc], "engine exit %d\n%s" % (rc, err[-2000:])
    # --- rejects
    eng_rej = []
    eng_exc = {}
    with open(os.path.join(eout, "rejects.ndjson"), encoding="utf-8") as fi:
        for ln in fi:
            if ln.strip():
                o = json.loads(ln)
                eng_rej.append((o["file"], o["line"], o["reason"]))
                eng_exc[(o["file"], o["line"])] = o.get("excerpt")
    rmap = {(f, n): r for f, n, r in ref_rej}
    emap = {(f, n): r for f, n, r in eng_rej}
    for k in sorted(set(rmap) | set(emap)):
        a, b = rmap.get(k), emap.get(k)
        if a != b:
            s = "reject:%s->%s" % (a or "accepted", b or "accepted")
            sig.append(s)
            msg.append("%s line %d: reference %s, motcua %s" % (k[0], k[1], a or "accepted",
                                                                  b or "accepted"))
    if len(eng_rej) != len(emap):
        sig.append("reject:duplicate-lines")
    for k, ex in ref_sum["excerpts"].items():
        if k in eng_exc and eng_exc[k] != ex:
            sig.append("excerpt")
            msg.append("%s line %d excerpt: reference %r, motcua %r" % (k[0], k[1], ex, eng_exc[k]))
            break
    with open(os.path.join(eout, "summary.json"), encoding="utf-8") as fi:
        es = json.load(fi)
    for k, v in ref_sum["accounting"].items():
        if es["accounting"].get(k) != v:
            sig.append("accounting:%s" % k)
            msg.append("accounting %s: reference %s, motcua %s" % (k, v, es["accounting"].get(k)))
    if es.get("rejects_by_reason") != ref_sum["rejects_by_reason"]:
        sig.append("summary:rejects_by_reason")
    if es.get("unknown_units") != ref_sum["unknown_units"]:
        sig.append("summary:unknown_units")
        msg.append("unknown_units: reference %r, motcua %r" % (ref_sum["unknown_units"],
                                                                es.get("unknown_units")))
    if es.get("periods") != ref_sum["periods"]:
        sig.append("summary:periods")
        msg.append("periods: reference %r, motcua %r" % (ref_sum["periods"], es.get("periods")))
    ein = es.get("inputs", [])
    if [i["path"] for i in ein] != [i["path"] for i in ref_sum["inputs"]]:
        sig.append("summary:inputs-paths")
        msg.append("inputs: reference %r, motcua %r" % ([i["path"] for i in ref_sum["inputs"]],
                                                        [i["path"] for i in ein]))
    else:
        for ri, ei in zip(ref_sum["inputs"], ein):
            keys = ["compressed_bytes", "records", "accepted", "rejected"]
            if ri["corrupt"] is None or ri["corrupt"]["policy"] == "salvage":
                keys[1:1] = ["bytes", "gzip_members"]
            for k in keys:
                if ri[k] != ei.get(k):
                    sig.append("summary:inputs.%s%s" % (k, "(corrupt)" if ri["corrupt"] else ""))
                    msg.append("input %s %s: reference %s, motcua %s" % (ri["path"], k, ri[k],
                                                                         ei.get(k)))
            ec, rc_ = ei.get("corrupt"), ri["corrupt"]
            if (ec is None) != (rc_ is None) or (ec and ec.get("policy") != rc_["policy"]):
                sig.append("summary:inputs.corrupt")
                msg.append("input %s corrupt: reference %r, motcua %r" % (ri["path"], rc_, ec))
            elif ec and ec.get("offset") != rc_["offset"]:
                msg.append("(info) input %s corrupt offset: reference %r, motcua %r" % (
                    ri["path"], rc_, ec))
    # --- counters.csv
    eng_csv = open(os.path.join(eout, "counters.csv"), "rb").read()
    if eng_csv != ref_csv.encode("utf-8"):

        def rows(text):
            return [tuple(r) for r in csv.reader(io.StringIO(text, newline=""))]
        rl = rows(ref_csv)
        el = rows(eng_csv.decode("utf-8", "replace"))
        if rl == el:
            sig.append("counters:bytes")      # same cells, different quoting/line ends
            msg.append("counters.csv: same cells, different bytes")
        elif sorted(rl) == sorted(el):
            sig.append("counters:order")
        else:
            head = list(rl[0])
            rk = {r[:10]: r for r in rl[1:] if r not in set(el)}
            ek = {r[:10]: r for r in el[1:] if r not in set(rl)}
            for k in sorted(set(rk) | set(ek)):
                if k in rk and k in ek:
                    for i, (a_, b_) in enumerate(zip(rk[k], ek[k])):
                        if a_ != b_:
                            sig.append("counters:%s" % head[i])
                    msg.append("row %r:\n  reference %s\n  motcua    %s" % (
                        k, ",".join(rk[k][10:]), ",".join(ek[k][10:])))
                elif k in rk:
                    sig.append("counters:row-missing-in-motcua")
                    msg.append("row only in reference: %r" % (rk[k],))
                else:
                    sig.append("counters:row-extra-in-motcua")
                    msg.append("row only in motcua: %r" % (ek[k],))
    # --- counters.json holds the same rows as the reference CSV (SPEC §7.3)
    ref_rows = list(csv.reader(io.StringIO(ref_csv, newline="")))
    head = ref_rows[0]
    want = []
    for r in ref_rows[1:]:
        o = {}
        for h, v in zip(head, r):
            if h in reference.COUNTERS:
                o[h] = int(v)
            elif h == "partial":
                o[h] = v == "true"
            else:
                o[h] = v[1:] if v.startswith("'") and v[1:].startswith(reference.GUARD) else v
        want.append(o)
    try:
        ej = json.load(open(os.path.join(eout, "counters.json"), encoding="utf-8"))
        got = ej.get("rows")
        if ej.get("schema_version") != 1:
            sig.append("counters.json:schema_version")
        if got != want:
            sig.append("counters.json:rows")
            for i, (a_, b_) in enumerate(zip(want, got or [])):
                if a_ != b_:
                    msg.append("counters.json row %d: reference %r\n  motcua %r" % (i, a_, b_))
                    break
        elif any(list(g.keys()) != head for g in got):
            sig.append("counters.json:key-order")
    except (OSError, ValueError) as e:
        sig.append("counters.json:unreadable")
        msg.append("counters.json: %r" % e)
    # --- determinism (SPEC §3.2, §7.3): --threads 1 without --chunk-bytes gives the same bytes
    if os.path.exists(os.path.join(d, "check-threads1")):
        o1 = os.path.join(work, "out-engine-t1")
        rc1, err1 = run_engine(engine, d, o1, threads=1, chunks=False)
        if rc1 != 0:
            sig.append("determinism:exit")
        else:
            for fn in ("counters.csv", "counters.json", "kpis.csv"):
                a_ = os.path.join(eout, fn)
                b_ = os.path.join(o1, fn)
                if os.path.exists(a_) and open(a_, "rb").read() != open(b_, "rb").read():
                    sig.append("determinism:%s" % fn)
                    msg.append("%s differs between --threads 2 (+chunks) and --threads 1" % fn)
            s1 = json.load(open(os.path.join(o1, "summary.json"), encoding="utf-8"))
            for k in ("accounting", "rejects_by_reason", "unknown_units"):
                if s1.get(k) != es.get(k):
                    sig.append("determinism:summary.%s" % k)
    # de-dup, keep order
    seen = []
    for s in sig:
        if s not in seen:
            seen.append(s)
    return seen, "\n".join(msg)


def primary(sig):
    order = ["reference-crash", "exit", "reject", "summary:inputs", "accounting", "summary",
             "counters", "determinism"]
    for o in order:
        for s in sig:
            if s.startswith(o):
                return s
    return sig[0] if sig else None

# ====================================================================== minimize

def still_fails(engine, c, target, work):
    d = os.path.join(work, "min")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    write_case(c, d)
    try:
        sig, _ = compare(engine, d, work)
    except Exception:
        return False
    return target in sig


def minimize(engine, c, target, work, budget=400):
    import copy
    c = copy.deepcopy(c)
    tries = [0]

    def ok(cand):
        tries[0] += 1
        return tries[0] <= budget and still_fails(engine, cand, target, work)

    # 1) drop whole files
    i = 0
    while i < len(c["files"]) and len(c["files"]) > 1:
        cand = copy.deepcopy(c)
        del cand["files"][i]
        if ok(cand):
            c = cand
        else:
            i += 1
    # 2) ddmin over lines (all files)
    for fi in range(len(c["files"])):
        n = 2
        while len(c["files"][fi]["lines"]) >= 1 and tries[0] < budget:
            lines = c["files"][fi]["lines"]
            size = max(1, len(lines) // n)
            reduced = False
            for start in range(0, len(lines), size):
                cand = copy.deepcopy(c)
                cand["files"][fi]["lines"] = lines[:start] + lines[start + size:]
                if ok(cand):
                    c = cand
                    n = max(n - 1, 2)
                    reduced = True
                    break
            if not reduced:
                if size == 1:
                    break
                n = min(n * 2, len(lines))
    # 3) simplify options
    simplifications = [
        lambda x: x["files"].__setitem__(slice(None), [dict(s, gzip=False, members=0, pad=False,
                                                           empty_member=False)
                                                      for s in x["files"]]),
        lambda x: x["files"].__setitem__(slice(None), [dict(s, bom=False, blank=False,
                                                           crlf="lf", no_final_lf=False)
                                                      for s in x["files"]]),
        lambda x: x.__setitem__("breakdown", False),
        lambda x: x.__setitem__("as_of", None),
        lambda x: x.__setitem__("procs", None),
        lambda x: x.__setitem__("units", None),
        lambda x: x.__setitem__("rules_on_cli", False),
    ]
    for simp in simplifications:
        cand = copy.deepcopy(c)
        simp(cand)
        if ok(cand):
            c = cand
    # 4) drop catalog rows
    for key in ("procs", "units"):
        i = 0
        while c[key] and i < len(c[key]):
            cand = copy.deepcopy(c)
            row = cand[key].pop(i)
            if key == "units" and any(u[3] == row[0] for u in cand[key]):
                i += 1
                continue
            if key == "units" and cand["procs"] and any(p[6] == row[0] for p in cand["procs"]):
                i += 1
                continue
            if not cand[key]:
                cand[key] = None
            if ok(cand):
                c = cand
            else:
                i += 1
    return c

# ====================================================================== main

def save_case(c, dest):
    os.makedirs(dest, exist_ok=True)
    write_case(c, dest)
    with open(os.path.join(dest, "lines.txt"), "w", encoding="utf-8") as fo:
        for s in c["files"]:
            fo.write("# data/%s (gzip=%s members=%s bom=%s crlf=%s)\n" % (
                s["name"], s["gzip"], s["members"], s["bom"], s["crlf"]))
            for ln in s["lines"]:
                fo.write(ln.decode("utf-8", "backslashreplace") + "\n")


def case_to_jsonable(c):
    def conv(o):
        if isinstance(o, dt.date):
            return {"__date__": o.isoformat()}
        if isinstance(o, bytes):
            return {"__bytes__": o.decode("latin-1")}
        if isinstance(o, tuple):
            return [conv(x) for x in o]
        if isinstance(o, list):
            return [conv(x) for x in o]
        if isinstance(o, dict):
            return {k: conv(v) for k, v in o.items()}
        return o
    return conv(c)


def case_from_jsonable(o):
    if isinstance(o, dict):
        if "__date__" in o:
            return dt.date.fromisoformat(o["__date__"])
        if "__bytes__" in o:
            return o["__bytes__"].encode("latin-1")
        return {k: case_from_jsonable(v) for k, v in o.items()}
    if isinstance(o, list):
        return [case_from_jsonable(x) for x in o]
    return o


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--engine")
    ap.add_argument("--no-minimize", action="store_true")
    ap.add_argument("--save-per-class", type=int, default=2,
                    help="save (and minimize) at most this many failures per mismatch class")
    ap.add_argument("--failures", default=os.path.join(HERE, "failures"))
    ap.add_argument("--replay", help="re-run a saved case directory and print the diff")
    ap.add_argument("--avoid", default="", help="comma-separated generator features to leave "
                    "out: " + ", ".join("%s (%s)" % kv for kv in FEATURES.items()))
    ap.add_argument("--engine-args", default="",
                    help="extra arguments for motcua run, e.g. '--inflater zlib'")
    a = ap.parse_args()
    ENGINE_ARGS.extend(a.engine_args.split())
    for f in filter(None, a.avoid.split(",")):
        if f not in FEATURES:
            ap.error("unknown feature %r" % f)
        AVOID.add(f)
    engine = find_engine(a.engine)
    if a.replay:
        with tempfile.TemporaryDirectory() as work:
            sig, msg = compare(engine, a.replay, work)
        print("signature:", sig)
        print(msg)
        return 1 if sig else 0
    agreed = 0
    failed = {}
    for run in range(a.runs):
        rng = random.Random("%d-%d" % (a.seed, run))
        c = rand_case(rng)
        with tempfile.TemporaryDirectory() as work:
            d = os.path.join(work, "case")
            os.makedirs(d)
            write_case(c, d)
            sig, msg = compare(engine, d, work)
            if not sig:
                agreed += 1
                continue
            tgt = primary(sig)
            failed.setdefault(tgt, [])
            if len(failed[tgt]) >= a.save_per_class:
                failed[tgt].append(None)
                print("run %d: MISMATCH %s (class already saved)" % (run, tgt), flush=True)
                continue
            dest = os.path.join(a.failures, "%d-%d" % (a.seed, run))
            shutil.rmtree(dest, ignore_errors=True)
            save_case(c, os.path.join(dest, "orig"))
            with open(os.path.join(dest, "orig", "diff.txt"), "w") as fo:
                fo.write("signature: %s\n%s\n" % (sig, msg))
            with open(os.path.join(dest, "case-struct.json"), "w") as fo:
                json.dump(case_to_jsonable(c), fo)
            if not a.no_minimize:
                m = minimize(engine, c, tgt, work)
                save_case(m, dest)
                ms, mm = compare(engine, dest, work)
                with open(os.path.join(dest, "diff.txt"), "w") as fo:
                    fo.write("target: %s\nsignature: %s\n%s\n" % (tgt, ms, mm))
            failed[tgt].append(dest)
            print("run %d: MISMATCH %s -> %s" % (run, tgt, dest), flush=True)
    print("\n%d/%d runs agreed" % (agreed, a.runs))
    for k, v in sorted(failed.items()):
        print("%-60s %3d  e.g. %s" % (k, len(v), os.path.relpath(v[0]) if v[0] else "-"))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
