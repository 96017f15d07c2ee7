#!/usr/bin/env python3
"""Slow, plain reference implementation of SPEC.md for the `dvcqg-ndjson` format.

Written from SPEC text only (not from the Swift sources), standard library only. It is the
"other side" of scripts/fuzz/differential.py. Covers:

  §2.1 file discovery (globs), gzip (multi-member, NUL padding), BOM, LF/CRLF, blank lines
  §2.2 JSON records (strict RFC 8259 via `json`, depth ≤ 64, last duplicate key wins,
       lone surrogates → U+FFFD), field typing, MaDonVi derivation, MaTTHC suffix
  §2.4 date-times, §2.5 catalogs, §3 checks / latest-wins / accounting,
  §4 periods (all kinds, --as-of), §5.1–§5.3 counters (tt01, qd766), own/subtree, sectors,
  §7.3 counters.csv (format, order, formula guard, RFC 4180 quoting).

Usage:
    reference.py CASE.json --out DIR

CASE.json (written by differential.py next to pipeline.yaml; paths relative to its dir):
    {"inputs": [["glob", ...], ...],        one list of patterns per input
     "units": "units.csv" | null, "procedures": "procedures.csv" | null,
     "kind": "month", "from": "2024-01-01", "to": "2024-03-31", "as_of": null | "2024-02-10",
     "rules": "tt01" | "qd766", "breakdown": true | false,
     "timezone": "+07:00", "max_line_bytes": 1048576,
     "on_corrupt_input": "fail" | "skip" | "salvage"}

Writes DIR/counters.csv, DIR/rejects.ndjson (file, line, reason) and DIR/summary.json
(accounting, rejects_by_reason, unknown_units, per-input figures, periods).
"""
import argparse
import csv
import datetime as dt
import decimal
import io
import json
import os
import re
import sys
import zlib

# ----------------------------------------------------------------------------------- §2.1

def glob_regex(pat):
    """SPEC §2.1/§3.5 glob → regex over '/'-separated relative paths."""
    out = []
    i = 0
    seg_start = True
    while i < len(pat):
        if seg_start and pat.startswith("**/", i):
            out.append(r"(?:(?![.])[^/]+/)*")   # zero or more (non-hidden) directories
            i += 3
            continue
        c = pat[i]
        if c == "/":
            out.append("/")
            seg_start = True
            i += 1
            continue
        if c == "*":
            out.append(("(?![.])" if seg_start else "") + "[^/]*")
        elif c == "?":
            out.append(("(?![.])" if seg_start else "") + "[^/]")
        elif c == "[":
            j = i + 1
            neg = False
            if j < len(pat) and pat[j] == "!":
                neg = True
                j += 1
            k = j
            if k < len(pat) and pat[k] == "]":
                k += 1
            while k < len(pat) and pat[k] != "]":
                k += 1
            if k >= len(pat):
                out.append(re.escape("["))
            else:
                body = pat[j:k]
                chars = "".join("\\" + ch if ch in "\\^]" else ch for ch in body)
                cls = ("[^/" + chars + "]") if neg else ("[" + chars + "]")
                out.append(("(?![.])" if seg_start else "") + cls)
                i = k + 1
                seg_start = False
                continue
        else:
            out.append(re.escape(c))
        seg_start = False
        i += 1
    return re.compile("".join(out) + r"\Z")


def list_files(base):
    res = []
    for root, dirs, files in os.walk(base):
        for f in files:
            rel = os.path.relpath(os.path.join(root, f), base).replace(os.sep, "/")
            res.append(rel)
    return res


class ExpectExit(Exception):
    """The run must fail with this exit code (SPEC §7.2)."""
    def __init__(self, code, why):
        Exception.__init__(self, "exit %d: %s" % (code, why))
        self.code = code


def input_files(base, inputs):
    allf = list_files(base)
    matched = set()
    for pats in inputs:
        for p in pats:
            rx = glob_regex(p)
            hit = [f for f in allf if rx.match(f)]
            if not hit:
                raise ExpectExit(66, "input pattern %r matched no file" % p)
            matched.update(hit)
    return sorted(matched, key=lambda s: s.encode("utf-8"))


class Corrupt(Exception):
    def __init__(self, reason, offset):
        Exception.__init__(self, "%s at %d" % (reason, offset))
        self.reason = reason
        self.offset = offset


def _member_header_end(data, pos):
    """Offset just past the gzip member header starting at pos, or None if truncated."""
    n = len(data)
    if pos + 10 > n:
        return None
    if data[pos + 2] != 8:
        raise Corrupt("bad_header", pos)
    flg = data[pos + 3]
    q = pos + 10
    if flg & 4:                                   # FEXTRA
        if q + 2 > n:
            return None
        xlen = data[q] | data[q + 1] << 8
        q += 2 + xlen
    for bit in (8, 16):                           # FNAME, FCOMMENT
        if flg & bit:
            z = data.find(b"\x00", q)
            if z == -1:
                return None
            q = z + 1
    if flg & 2:                                   # FHCRC
        q += 2
    return q if q <= n else None


def gunzip_all(data):
    """All members; trailing NUL padding allowed (SPEC §2.1).

    Returns (text, complete_members, corrupt) where corrupt is None or Corrupt; on corruption
    `text` is everything inflated before the damage was detected (SPEC §3.5 salvage)."""
    out = []
    members = 0
    pos = 0
    n = len(data)
    while pos < n:
        if data[pos:pos + 2] != b"\x1f\x8b":
            if data[pos:].strip(b"\x00") == b"":
                break
            return b"".join(out), members, Corrupt("trailing_garbage", pos)
        try:
            q = _member_header_end(data, pos)
        except Corrupt as e:
            return b"".join(out), members, e
        if q is None:
            return b"".join(out), members, Corrupt("truncated", n)
        d = zlib.decompressobj(wbits=-15)
        try:
            chunk = d.decompress(data[q:]) + d.flush()
        except zlib.error:
            # invalid deflate data: keep what inflates from the longest good prefix
            d2 = zlib.decompressobj(wbits=-15)
            piece = []
            for i in range(q, n):
                try:
                    piece.append(d2.decompress(data[i:i + 1]))
                except zlib.error:
                    out.append(b"".join(piece))
                    return b"".join(out), members, Corrupt("bad_deflate", i)
            out.append(b"".join(piece))
            return b"".join(out), members, Corrupt("bad_deflate", n)
        out.append(chunk)
        if not d.eof:
            return b"".join(out), members, Corrupt("truncated", n)
        t = n - len(d.unused_data)               # start of the trailer
        if t + 8 > n:
            return b"".join(out), members, Corrupt("truncated", n)
        crc = int.from_bytes(data[t:t + 4], "little")
        isize = int.from_bytes(data[t + 4:t + 8], "little")
        if crc != zlib.crc32(chunk) or isize != len(chunk) & 0xFFFFFFFF:
            return b"".join(out), members, Corrupt("crc_or_length", t + 8)
        members += 1
        pos = t + 8
    return b"".join(out), members, None


def read_text(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        text, members, corrupt = gunzip_all(raw)
    else:
        text, members, corrupt = raw, 0, None
    return raw, text, members, corrupt


def frame_lines(text):
    """Yield (line_number, content_bytes) for every non-blank physical line."""
    pos = 3 if text.startswith(b"\xef\xbb\xbf") else 0
    n = len(text)
    lineno = 0
    while pos < n:
        j = text.find(b"\n", pos)
        if j == -1:
            line = text[pos:]
            pos = n
        else:
            line = text[pos:j]
            pos = j + 1
            if line.endswith(b"\r"):
                line = line[:-1]
        lineno += 1
        if line == b"":
            continue
        yield lineno, line

# ----------------------------------------------------------------------------------- §2.4

D = "([0-9]{2})"
Y = "([0-9]{4})"
DATE_FORMS = [
    ("compact14", re.compile(Y + D + D + D + D + D)),
    ("compact8", re.compile(Y + D + D)),
    ("iso", re.compile(Y + "-" + D + "-" + D + "T" + D + ":" + D + ":" + D +
                       r"(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})?")),
    ("ymd_hms", re.compile(Y + "-" + D + "-" + D + " " + D + ":" + D + ":" + D)),
    ("ymd", re.compile(Y + "-" + D + "-" + D)),
    ("dmy_hms", re.compile(D + "/" + D + "/" + Y + " " + D + ":" + D + ":" + D)),
    ("dmy_hm", re.compile(D + "/" + D + "/" + Y + " " + D + ":" + D)),
    ("dmy", re.compile(D + "/" + D + "/" + Y)),
]


def parse_offset(s):
    """'+07:00' → minutes; None if invalid."""
    m = re.fullmatch(r"([+-])([0-9]{2}):([0-9]{2})", s)
    if not m:
        return None
    hh, mm = int(m.group(2)), int(m.group(3))
    if hh > 14 or mm > 59:
        return None
    v = hh * 60 + mm
    return -v if m.group(1) == "-" else v


def days_from_civil(y, m, d):
    """Proleptic Gregorian day number, equal to date.toordinal() for years 1..9999 and
    extended to years 0 and 10000 (a +14:00 value on 0001-01-01 or a -12:00 value on
    9999-12-31 leaves Python's date range)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468 + 719163


def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def month_days(y, m):
    return [31, 29 if is_leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]


def parse_datetime(s, tz_min):
    """Return the local calendar date as a day number (date.toordinal() scale) or None when
    unparsable/impossible."""
    for name, rx in DATE_FORMS:
        m = rx.fullmatch(s)
        if not m:
            continue
        g = m.groups()
        off = None
        if name == "compact14":
            y, mo, d, h, mi, se = map(int, g)
        elif name == "compact8":
            y, mo, d = map(int, g)
            h = mi = se = 0
        elif name == "iso":
            y, mo, d, h, mi, se = map(int, g[:6])
            if g[7] is not None:
                if g[7] == "Z":
                    off = 0
                else:
                    off = parse_offset(g[7])
                    if off is None:
                        return None
        elif name == "ymd_hms":
            y, mo, d, h, mi, se = map(int, g)
        elif name == "ymd":
            y, mo, d = map(int, g)
            h = mi = se = 0
        elif name == "dmy_hms":
            d, mo, y, h, mi, se = map(int, g)
        elif name == "dmy_hm":
            d, mo, y, h, mi = map(int, g)
            se = 0
        else:
            d, mo, y = map(int, g)
            h = mi = se = 0
        if h > 23 or mi > 59 or se > 59 or not 1 <= mo <= 12 or not 1 <= d <= month_days(y, mo):
            return None
        day = days_from_civil(y, mo, d)
        if off is not None:
            minutes = h * 60 + mi + (tz_min - off)
            day += minutes // 1440          # floor division: negative → previous day
        return day
    return None


# ----------------------------------------------------------------------------------- §2.2

class Malformed(Exception):
    pass


def _raise_constant(name):
    raise Malformed(name)


def json_depth(s):
    """Maximum nesting of objects/arrays (top-level object = 1), string-aware."""
    depth = best = 0
    in_str = esc = False
    for ch in s:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}":
            depth -= 1
    return best


def fix_surrogates(v):
    if isinstance(v, str):
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in v)
    if isinstance(v, list):
        return [fix_surrogates(x) for x in v]
    if isinstance(v, dict):
        # keys are fixed too; keep "last wins" (dict preserves the last value already)
        out = {}
        for k, x in v.items():
            out[fix_surrogates(k)] = fix_surrogates(x)
        return out
    return v


ABSENT = object()
UNIT_RX = re.compile(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}")
SUFFIX_RX = re.compile(r"\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}\Z")
STATUS_WORDS = {"receiving": 1, "new": 2, "denied": 3, "processing": 4, "waiting": 5,
                "paying": 6, "cancelled": 7, "unresolved": 8, "releasing": 9, "done": 10}

# §2.2 table order (used for invalid_value ordering)
TABLE_ORDER = ["MaHoSo", "MaDonVi", "MaTTHC", "MaLinhVuc", "KenhThucHien", "MucDo",
               "TrangThaiHoSo", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra",
               "HinhThuc", "DuocThanhToanTrucTuyen", "HoSoCoThanhPhanSoHoa", "DanhSachLePhi",
               "DanhSachGiayToKetQua"]
TEXT = {"MaHoSo", "MaDonVi", "MaTTHC", "MaLinhVuc"}
DATES = {"NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra"}
CODES = {"KenhThucHien": {1, 2, 3}, "MucDo": {2, 3, 4}, "TrangThaiHoSo": set(range(1, 11)),
         "HinhThuc": {0, 1}, "DuocThanhToanTrucTuyen": {0, 1, 2, 3},
         "HoSoCoThanhPhanSoHoa": {0, 1}}


def field(obj, name):
    v = obj.get(name, None)
    if v is None or (isinstance(v, str) and v == ""):
        return ABSENT
    return v


def parse_code(v, name):
    """Parsed code or None (invalid). v is not ABSENT."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        n = v
    elif isinstance(v, str):
        if v and all(c in "0123456789" for c in v):
            n = int(v)
        elif name == "TrangThaiHoSo" and v.isascii() and v.lower() in STATUS_WORDS:
            n = STATUS_WORDS[v.lower()]
        else:
            return None
    else:
        return None
    return n if n in CODES[name] else None


GIA_RX = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def gia_positive(g):
    if isinstance(g, bool) or g is None:
        return False
    if isinstance(g, (int, decimal.Decimal)):
        return g > 0
    if isinstance(g, str):
        t = g.strip(" \t\r\n")
        if GIA_RX.fullmatch(t):
            return decimal.Decimal(t) > 0
    return False


def fee_bearing(v):
    if not isinstance(v, list):
        return False
    return any(isinstance(e, dict) and gia_positive(e.get("Gia")) for e in v)


def e_result(v):
    if not isinstance(v, list):
        return False
    for e in v:
        if isinstance(e, dict):
            x = e.get("DuongDanTepTinKetQua")
            if x is not None and x != "":
                return True
    return False


class Dossier:
    __slots__ = ("id", "unit", "proc", "sector", "channel", "level", "status", "recv", "due",
                 "end", "ret", "ret_channel", "paid", "digitized", "fee", "eres")


def check_record(line, max_line_bytes, tz_min):
    """Return (Dossier, None) or (None, reason)."""
    if len(line) > max_line_bytes:
        return None, "line_too_long"
    try:
        s = line.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return None, "invalid_utf8"
    try:
        # numbers with a fraction/exponent become Decimal: exact for `Gia > 0`, and never an
        # int, so a float code is invalid
        obj = json.loads(s, parse_constant=_raise_constant, parse_float=decimal.Decimal)
    except (ValueError, Malformed, RecursionError):
        return None, "malformed_json"
    if not isinstance(obj, dict):
        return None, "malformed_json"
    if json_depth(s) > 64:
        return None, "malformed_json"
    obj = fix_surrogates(obj)
    f = {k: field(obj, k) for k in TABLE_ORDER}

    # step 4: missing fields
    if f["MaHoSo"] is ABSENT:
        return None, "missing_field:MaHoSo"
    unit = None
    if f["MaDonVi"] is ABSENT:
        mh = f["MaHoSo"]
        if isinstance(mh, str) and "-" in mh:
            pre = mh.split("-", 1)[0]
            if UNIT_RX.fullmatch(pre):
                unit = pre
        if unit is None:
            return None, "missing_field:MaDonVi"
    if f["TrangThaiHoSo"] is ABSENT:
        return None, "missing_field:TrangThaiHoSo"
    status = parse_code(f["TrangThaiHoSo"], "TrangThaiHoSo")
    if f["NgayTiepNhan"] is ABSENT and status not in (1, 3):
        return None, "missing_field:NgayTiepNhan"
    if f["NgayKetThucXuLy"] is ABSENT and status in (7, 8, 9, 10):
        return None, "missing_field:NgayKetThucXuLy"

    # step 5: invalid values, TrangThaiHoSo first then table order
    if status is None:
        return None, "invalid_value:TrangThaiHoSo"
    vals = {}
    for name in TABLE_ORDER:
        if name == "TrangThaiHoSo":
            continue
        v = f[name]
        if v is ABSENT:
            vals[name] = None
            continue
        if name in TEXT:
            if not isinstance(v, str):
                return None, "invalid_value:" + name
            vals[name] = v
        elif name in DATES:
            if not isinstance(v, str):
                return None, "invalid_value:" + name
            d = parse_datetime(v, tz_min)
            if d is None:
                return None, "invalid_value:" + name
            vals[name] = d
        elif name in CODES:
            c = parse_code(v, name)
            if c is None:
                return None, "invalid_value:" + name
            vals[name] = c
        else:
            vals[name] = v  # arrays: never invalid

    # step 6
    if vals["NgayKetThucXuLy"] is not None and vals["NgayTiepNhan"] is not None \
            and vals["NgayKetThucXuLy"] < vals["NgayTiepNhan"]:
        return None, "ended_before_received"

    d = Dossier()
    d.id = vals["MaHoSo"]
    d.unit = vals["MaDonVi"] if vals["MaDonVi"] is not None else unit
    proc = vals["MaTTHC"]
    if proc is not None:
        proc = SUFFIX_RX.sub("", proc)
        if proc == "":
            proc = None
    d.proc = proc
    d.sector = vals["MaLinhVuc"]
    d.channel = vals["KenhThucHien"] if vals["KenhThucHien"] is not None else 1
    d.level = vals["MucDo"]
    d.status = status
    d.recv = vals["NgayTiepNhan"]
    d.due = vals["NgayHenTra"]
    d.end = vals["NgayKetThucXuLy"]
    d.ret = vals["NgayTra"]
    d.ret_channel = vals["HinhThuc"]
    d.paid = vals["DuocThanhToanTrucTuyen"]
    d.digitized = vals["HoSoCoThanhPhanSoHoa"]
    d.fee = fee_bearing(vals["DanhSachLePhi"])
    d.eres = e_result(vals["DanhSachGiayToKetQua"])
    return d, None

# ----------------------------------------------------------------------------------- §2.5

# SPEC §3.5 "Trimming (CSV cells, ...)": read here as applying to catalog cells too
# (SPEC is not explicit; motcua trims them).
TRIM_CATALOG_CELLS = True
TRIM = " \t\r\n"


def read_catalog(path):
    data = open(path, "rb").read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    if TRIM_CATALOG_CELLS:
        rows = [[x.strip(TRIM) for x in r] for r in rows]
    header = rows[0]
    return [dict(zip(header, r + [""] * (len(header) - len(r)))) for r in rows[1:] if r]


def strip_proc(code):
    return SUFFIX_RX.sub("", code)


class Catalogs:
    def __init__(self, units_path, procs_path):
        self.units = {}      # code -> (name, tier, parent)
        self.children = {}
        if units_path:
            for r in read_catalog(units_path):
                self.units[r["unit_code"]] = (r["unit_name"], r["tier"], r["parent_code"])
            for code, (_, _, parent) in self.units.items():
                if parent:
                    self.children.setdefault(parent, []).append(code)
        self.procs = []      # (proc, tier, unit_code, sector)
        if procs_path:
            for r in read_catalog(procs_path):
                self.procs.append((strip_proc(r["procedure_code"]), r["tier"],
                                   r.get("unit_code", "") or "", r["sector_code"]))

    def tier(self, unit):
        return self.units[unit][1] if unit in self.units else "unknown"

    def descendants(self, unit):
        out = [unit]
        stack = [unit]
        while stack:
            u = stack.pop()
            for c in self.children.get(u, []):
                out.append(c)
                stack.append(c)
        return out

    def sector_of(self, d):
        """SPEC §5.3: MaLinhVuc, else (unit tier, procedure) row, else first row, else None."""
        if d.sector is not None:
            return d.sector
        if d.proc is None:
            return None
        t = self.tier(d.unit)
        ct = {"tinh": "tinh", "so_nganh": "tinh", "huyen": "huyen", "xa": "xa"}.get(t)
        if ct is not None:
            for p, tier, u, sec in self.procs:       # the unit's own row replaces the generic
                if p == d.proc and tier == ct and u == d.unit:
                    return sec
            for p, tier, u, sec in self.procs:
                if p == d.proc and tier == ct and u == "":
                    return sec
        for p, tier, u, sec in self.procs:
            if p == d.proc:
                return sec
        return None

# ----------------------------------------------------------------------------------- §4

def add_months(y, m, k):
    idx = y * 12 + (m - 1) + k
    return idx // 12, idx % 12 + 1


def period_containing(kind, d):
    """(start, end, label) of the period of `kind` holding date d."""
    if kind == "day":
        return d, d, d.isoformat()
    if kind == "week":
        s = d - dt.timedelta(days=d.weekday())
        iy, iw, _ = s.isocalendar()
        return s, s + dt.timedelta(days=6), "%04d-W%02d" % (iy, iw)
    if kind in ("month", "quarter", "half", "year"):
        span = {"month": 1, "quarter": 3, "half": 6, "year": 12}[kind]
        m0 = (d.month - 1) // span * span + 1
        s = dt.date(d.year, m0, 1)
        ey, em = add_months(d.year, m0, span)
        e = dt.date(ey, em, 1) - dt.timedelta(days=1)
        if kind == "month":
            lab = "%04d-%02d" % (d.year, d.month)
        elif kind == "quarter":
            lab = "%04d-Q%d" % (d.year, (m0 - 1) // 3 + 1)
        elif kind == "half":
            lab = "%04d-H%d" % (d.year, 1 if m0 == 1 else 2)
        else:
            lab = "%04d" % d.year
        return s, e, lab
    if kind.startswith("nd09-"):
        base = kind[5:]
        # the "month of the 14th" that d belongs to
        if d.day >= 15:
            y, m = add_months(d.year, d.month, 1)
        else:
            y, m = d.year, d.month
        s0, e0, lab = period_containing(base, dt.date(y, m, 14))
        # nd09 period = [15th of month before s0's month, 14th of e0's month]
        py, pm = add_months(s0.year, s0.month, -1)
        return dt.date(py, pm, 15), dt.date(e0.year, e0.month, 14), lab
    raise ValueError(kind)


def make_periods(kind, frm, to, as_of):
    """List of (label, from, to, partial)."""
    if kind == "custom":
        raw = [(frm, to, "%s..%s" % (frm.isoformat(), to.isoformat()))]
    else:
        raw = []
        d = frm
        while d <= to:
            s, e, lab = period_containing(kind, d)
            raw.append((s, e, lab))
            d = e + dt.timedelta(days=1)
    out = []
    for s, e, lab in raw:
        if as_of is not None:
            if s > as_of:
                continue
            if e > as_of:
                out.append((lab, s, as_of, True))
                continue
        out.append((lab, s, e, False))
    return out

# ----------------------------------------------------------------------------------- §5

COUNTERS = ["new_online", "new_direct", "new_postal", "new_offline", "carried_over",
            "received_total", "resolved_total", "resolved_early", "resolved_on_time",
            "resolved_late", "withdrawn", "pending_total", "pending_within", "pending_overdue",
            "returned_total", "returned_postal", "fee_bearing", "paid_online", "digitized",
            "e_result"]
TERMINAL = {"tt01": {7, 9, 10}, "qd766": {7, 8, 9, 10}}


def contribution(d, F, T, rules):
    """Counters of one dossier for the period [F, T] (day numbers)."""
    c = dict.fromkeys(COUNTERS, 0)
    if d.recv is None or d.recv > T:
        return c
    term = d.status in TERMINAL[rules]

    def ended(t):
        return term and d.end is not None and d.end <= t

    new = F <= d.recv <= T
    if new:
        if d.channel == 2:
            c["new_online"] = 1
        elif d.channel == 1:
            c["new_direct"] = 1
        elif d.channel == 3:
            c["new_postal"] = 1
        c["new_offline"] = c["new_direct"] + c["new_postal"]
        if d.fee:
            c["fee_bearing"] = 1
            if d.paid in (1, 2):
                c["paid_online"] = 1
        if d.digitized == 1:
            c["digitized"] = 1
    if d.recv < F and not ended(F - 1):
        c["carried_over"] = 1
    c["received_total"] = c["new_online"] + c["new_offline"] + c["carried_over"]
    if ended(T) and d.end >= F:
        c["resolved_total"] = 1
        if rules == "tt01" and d.status == 7:
            c["resolved_on_time"] = 1
        elif d.due is None or d.end == d.due:
            c["resolved_on_time"] = 1
        elif d.end < d.due:
            c["resolved_early"] = 1
        else:
            c["resolved_late"] = 1
        if d.status == 7:
            c["withdrawn"] = 1
        if d.eres:
            c["e_result"] = 1
    if not ended(T):
        c["pending_total"] = 1
        if rules == "tt01" and d.status in (5, 6, 8):
            c["pending_within"] = 1
        elif d.due is None or d.due >= T:
            c["pending_within"] = 1
        else:
            c["pending_overdue"] = 1
    if d.ret is not None and F <= d.ret <= T:
        c["returned_total"] = 1
        if d.ret_channel == 1:
            c["returned_postal"] = 1
    return c

# ----------------------------------------------------------------------------------- §7.3

GUARD = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(v, text):
    if text and v.startswith(GUARD):
        v = "'" + v
    if any(ch in v for ch in ',"\r\n'):
        v = '"' + v.replace('"', '""') + '"'
    return v


HEAD = ["period", "from", "to", "partial", "unit_code", "unit_name", "tier", "parent_code",
        "scope", "sector_code"]


def bkey(s):
    return s.encode("utf-8")


def run(case, base):
    tz = parse_offset(case.get("timezone", "+07:00"))
    mlb = case.get("max_line_bytes", 1048576)
    rules = case.get("rules", "tt01")
    cats = Catalogs(os.path.join(base, case["units"]) if case.get("units") else None,
                    os.path.join(base, case["procedures"]) if case.get("procedures") else None)

    files = input_files(base, case["inputs"])
    rejects = []
    excerpts = {}      # (file, line) -> §7.3 excerpt: first 200 bytes, invalid UTF-8 replaced
    final = {}
    inputs = []
    acc = dict(records=0, accepted=0, rejected=0)
    policy = case.get("on_corrupt_input", "fail")
    for rel in files:
        raw, text, members, corrupt = read_text(os.path.join(base, rel))
        if corrupt is not None:
            if policy == "fail":
                raise ExpectExit(65, "%s corrupt (%s)" % (rel, corrupt))
            if policy == "skip":
                text = b""
            else:                         # salvage: kept up to the last LF (§3.5)
                text = text[:text.rfind(b"\n") + 1]
        st = dict(path=rel, compressed_bytes=len(raw), bytes=len(text), gzip_members=members,
                  records=0, accepted=0, rejected=0,
                  corrupt=None if corrupt is None else dict(reason=corrupt.reason,
                                                            offset=corrupt.offset,
                                                            policy=policy))
        for lineno, line in frame_lines(text):
            st["records"] += 1
            d, reason = check_record(line, mlb, tz)
            if reason:
                st["rejected"] += 1
                rejects.append((rel, lineno, reason))
                excerpts[(rel, lineno)] = line[:200].decode("utf-8", errors="replace")
            else:
                st["accepted"] += 1
                final[d.id] = d      # later records replace earlier ones (§3.2)
        for k in ("records", "accepted", "rejected"):
            acc[k] += st[k]
        inputs.append(st)
    acc["dossiers"] = len(final)
    acc["superseded"] = acc["accepted"] - acc["dossiers"]
    acc["not_received"] = sum(1 for d in final.values() if d.status in (1, 3))
    acc["in_scope"] = acc["dossiers"] - acc["not_received"]

    unknown = sorted({d.unit for d in final.values() if d.unit not in cats.units}, key=bkey)
    frm = dt.date.fromisoformat(case["from"])
    to = dt.date.fromisoformat(case["to"])
    as_of = dt.date.fromisoformat(case["as_of"]) if case.get("as_of") else None
    periods = make_periods(case["kind"], frm, to, as_of)

    in_scope = [d for d in final.values() if d.status not in (1, 3)]
    by_unit = {}
    for d in in_scope:
        by_unit.setdefault(d.unit, []).append(d)
    sector = {id(d): cats.sector_of(d) for d in in_scope}

    all_units = list(cats.units) + unknown
    rows = []
    for lab, F, T, partial in periods:
        for u in all_units:
            if u in cats.units:
                name, tier, parent = cats.units[u]
            else:
                name, tier, parent = "", "unknown", ""
            scopes = [("own", [u])]
            if cats.children.get(u):
                scopes.append(("subtree", cats.descendants(u)))
            for scope, members in scopes:
                total = dict.fromkeys(COUNTERS, 0)
                per_sector = {}
                for m in members:
                    for d in by_unit.get(m, []):
                        c = contribution(d, F.toordinal(), T.toordinal(), rules)
                        sec = sector[id(d)]
                        sec = "(none)" if sec is None else sec
                        ps = per_sector.setdefault(sec, dict.fromkeys(COUNTERS, 0))
                        for k in COUNTERS:
                            total[k] += c[k]
                            ps[k] += c[k]
                common = [lab, F.isoformat(), T.isoformat(), "true" if partial else "false",
                          u, name, tier, parent, scope]
                rows.append((F.isoformat(), u, scope, "", common + [""], total))
                if case.get("breakdown"):
                    for sec, c in per_sector.items():
                        if any(c[k] for k in COUNTERS):
                            rows.append((F.isoformat(), u, scope, sec, common + [sec], c))
    rows.sort(key=lambda r: (bkey(r[0]), bkey(r[1]), 0 if r[2] == "own" else 1, bkey(r[3])))
    lines = [",".join(HEAD + COUNTERS)]
    for r in rows:
        cells = [csv_cell(v, True) for v in r[4]] + [str(r[5][k]) for k in COUNTERS]
        lines.append(",".join(cells))
    counters_csv = "\n".join(lines) + "\n"

    by_reason = {}
    for _, _, reason in rejects:
        by_reason[reason] = by_reason.get(reason, 0) + 1
    summary = dict(accounting=acc, rejects_by_reason=by_reason, unknown_units=unknown,
                   inputs=inputs, periods=[p[0] for p in periods], excerpts=excerpts)
    return counters_csv, rejects, summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("case")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    case = json.load(open(a.case, encoding="utf-8"))
    base = os.path.dirname(os.path.abspath(a.case))
    counters_csv, rejects, summary = run(case, base)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "counters.csv"), "w", encoding="utf-8", newline="") as fo:
        fo.write(counters_csv)
    with open(os.path.join(a.out, "rejects.ndjson"), "w", encoding="utf-8") as fo:
        for f, n, r in rejects:
            fo.write(json.dumps({"file": f, "line": n, "reason": r,
                                 "excerpt": summary["excerpts"][(f, n)]},
                                ensure_ascii=False) + "\n")
    del summary["excerpts"]
    with open(os.path.join(a.out, "summary.json"), "w", encoding="utf-8") as fo:
        json.dump(summary, fo, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
