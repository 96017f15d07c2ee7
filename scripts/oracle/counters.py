#!/usr/bin/env python3
"""Independent DuckDB oracle for motcua's counters.csv (SPEC §3.2, §3.3, §4, §5.1-§5.3, §7.3).

    python3 scripts/oracle/counters.py \
        --units SampleData/catalogs/units.csv --procedures SampleData/catalogs/procedures.csv \
        --kind month --from 2024-02-01 --to 2024-03-31 [--rules tt01|qd766] [--breakdown] \
        [--tz +07:00] [--as-of DATE] [--threads N] --out counters.csv FILES...

FILES are dvcqg-ndjson exports (gzip or plain) in input order (SPEC §2.1: the caller sorts
them; this script keeps the order given). All record handling and counting is set-based SQL
in counters_tt01.sql (both rule sets); Python only builds the small tables (catalogs,
periods, parameters) and writes the CSV in the exact §7.3 format.

Covered: §2.2 fields (codes as integers or digit strings, English status codes, MaDonVi
derived from MaHoSo, MaTTHC suffix stripping, Gia numbers/numeric strings,
DuongDanTepTinKetQua), §2.4 date forms with offsets converted to --tz, §3.3 checks
malformed_json, missing_field:*, invalid_value:*, ended_before_received, §3.2 latest valid
record wins, §4 kinds day/week/month/quarter/half/year/nd09-*/custom and --as-of, §5.1 tt01
and qd766, §5.2 all counters, §5.3 own/subtree scopes, unknown units and the sector
breakdown (MaLinhVuc, else catalog row of the unit's tier, else the procedure's first row).

NOT covered (the engine must be checked otherwise for these):
  * line_too_long and invalid_utf8: DuckDB's CSV reader silently drops such lines. They
    are never valid records here either, so the counters are the same, but they are not
    counted as records/rejects in the accounting printed to stderr.
  * JSON strictness: DuckDB accepts NaN/Infinity and trailing commas, keeps the FIRST of
    repeated keys (SPEC: the last), rejects unpaired surrogates (SPEC: U+FFFD), has no
    64-level nesting limit. A line ending in a NUL byte is read as the text before it.
  * A lone CR inside a line splits it (DuckDB's line reader), so line numbers are not
    physical line numbers; only their order is used.
  * csv input format, gzip corruption handling (a corrupt gzip makes DuckDB fail),
    catalog validation (config errors), KPIs, targets, summary.json.
  * Files whose gzip-ness disagrees with their name when gzip and plain files are mixed.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import sys

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
SQL_FILE = os.path.join(HERE, "counters_tt01.sql")

COUNTERS = ["new_online", "new_direct", "new_postal", "new_offline", "carried_over",
            "received_total", "resolved_total", "resolved_early", "resolved_on_time",
            "resolved_late", "withdrawn", "pending_total", "pending_within", "pending_overdue",
            "returned_total", "returned_postal", "fee_bearing", "paid_online", "digitized",
            "e_result"]
TEXT_COLUMNS = ["period", "from", "to", "partial", "unit_code", "unit_name", "tier",
                "parent_code", "scope", "sector_code"]
SUFFIX_RE = re.compile(r"\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$")
KINDS = ["day", "week", "month", "quarter", "half", "year",
         "nd09-month", "nd09-quarter", "nd09-half", "nd09-year", "custom"]


# ----------------------------------------------------------------------------- §4 periods

def _add_months(y: int, m: int, k: int) -> tuple[int, int]:
    i = y * 12 + (m - 1) + k
    return i // 12, i % 12 + 1


def _last_day(y: int, m: int) -> dt.date:
    ny, nm = _add_months(y, m, 1)
    return dt.date(ny, nm, 1) - dt.timedelta(days=1)


def _calendar_block(kind: str, y: int, m: int):
    """(label, first (y, m), last (y, m)) of the month/quarter/half/year holding month m."""
    if kind == "month":
        return "%04d-%02d" % (y, m), (y, m), (y, m)
    if kind == "quarter":
        q = (m - 1) // 3
        return "%04d-Q%d" % (y, q + 1), (y, 3 * q + 1), (y, 3 * q + 3)
    if kind == "half":
        h = (m - 1) // 6
        return "%04d-H%d" % (y, h + 1), (y, 6 * h + 1), (y, 6 * h + 6)
    if kind == "year":
        return "%04d" % y, (y, 1), (y, 12)
    raise ValueError(kind)


def period_of(kind: str, d: dt.date):
    """(label, from, to) of the period of `kind` holding date d."""
    if kind == "day":
        return d.isoformat(), d, d
    if kind == "week":
        start = d - dt.timedelta(days=d.weekday())
        iy, iw, _ = start.isocalendar()
        return "%04d-W%02d" % (iy, iw), start, start + dt.timedelta(days=6)
    if kind.startswith("nd09-"):
        base = kind[5:]
        # the nd09 month of d: its own month up to the 14th, the next one from the 15th
        y, m = (d.year, d.month) if d.day <= 14 else _add_months(d.year, d.month, 1)
        label, (fy, fm), (ly, lm) = _calendar_block(base, y, m)
        py, pm = _add_months(fy, fm, -1)
        return label, dt.date(py, pm, 15), dt.date(ly, lm, 14)
    label, (fy, fm), (ly, lm) = _calendar_block(kind, d.year, d.month)
    return label, dt.date(fy, fm, 1), _last_day(ly, lm)


def make_periods(kind: str, frm: dt.date, to: dt.date, as_of: dt.date | None):
    if kind == "custom":
        out = [("%s..%s" % (frm.isoformat(), to.isoformat()), frm, to)]
    else:
        out = []
        d = frm
        while d <= to:
            label, a, b = period_of(kind, d)
            out.append((label, a, b))
            d = b + dt.timedelta(days=1)
    rows = []
    for label, a, b in out:
        partial = False
        if as_of is not None:
            if a > as_of:
                continue
            if b > as_of:
                b, partial = as_of, True
        rows.append((label, a, b, partial))
    return rows


# ----------------------------------------------------------------------------- catalogs

def read_catalog(path: str | None, required: list[str]):
    if not path:
        return []
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for k in required:
            if k not in r:
                sys.exit("%s: missing column %s" % (path, k))
    return rows


def tz_minutes(s: str) -> int:
    m = re.fullmatch(r"([+-])([0-9]{2}):([0-9]{2})", s)
    if not m:
        sys.exit("bad --tz %r (want ±hh:mm)" % s)
    v = int(m.group(2)) * 60 + int(m.group(3))
    return -v if m.group(1) == "-" else v


def sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def guard(cell: str) -> str:
    """SPEC §7.3 CSV formula guard for text columns."""
    if cell and cell[0] in "=+-@\t\r":
        return "'" + cell
    return cell


# ----------------------------------------------------------------------------- main

def run(args) -> int:
    frm = dt.date.fromisoformat(args.date_from)
    to = dt.date.fromisoformat(args.date_to)
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    periods = make_periods(args.kind, frm, to, as_of)

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    if args.threads:
        con.execute("SET threads = %d" % args.threads)

    units = read_catalog(args.units, ["unit_code", "unit_name", "tier", "parent_code"])
    procs = read_catalog(args.procedures, ["procedure_code", "sector_code", "tier"])
    con.execute("CREATE TEMP TABLE units(unit_code VARCHAR, unit_name VARCHAR, tier VARCHAR, parent_code VARCHAR)")
    if units:
        con.executemany("INSERT INTO units VALUES (?, ?, ?, ?)",
                        [(r["unit_code"], r["unit_name"], r["tier"], r["parent_code"] or "") for r in units])
    con.execute("CREATE TEMP TABLE procs(ord INTEGER, procedure_code VARCHAR, sector_code VARCHAR, tier VARCHAR, unit_code VARCHAR)")
    if procs:
        con.executemany("INSERT INTO procs VALUES (?, ?, ?, ?, ?)",
                        [(i, SUFFIX_RE.sub("", r["procedure_code"]), r["sector_code"] or "", r["tier"],
                          (r.get("unit_code") or "")) for i, r in enumerate(procs)])
    con.execute("CREATE TEMP TABLE periods(label VARCHAR, p_from DATE, p_to DATE, partial BOOLEAN)")
    con.executemany("INSERT INTO periods VALUES (?, ?, ?, ?)", periods)
    con.execute("CREATE TEMP TABLE params AS SELECT %d::INTEGER AS tz_min, %s AS rules, %s AS breakdown"
                % (tz_minutes(args.tz), sql_str(args.rules), "true" if args.breakdown else "false"))

    # §2.1: gzip by magic bytes. DuckDB picks compression per call, so when the files agree
    # we say so; otherwise it goes by the file names.
    kinds = set()
    for p in args.files:
        with open(p, "rb") as f:
            kinds.add(f.read(2) == b"\x1f\x8b")
    compression = "gzip" if kinds == {True} else ("none" if kinds == {False} else "auto")
    file_list = "[" + ", ".join(sql_str(os.path.abspath(p)) for p in args.files) + "]"
    # One VARCHAR per physical line: NUL (never in valid JSON text) as the delimiter, no
    # quoting; `rest` catches lines that contain a NUL. Blank lines come out NULL/skipped.
    con.execute(f"""
        CREATE TEMP VIEW raw_lines AS
        SELECT file_index::INTEGER AS fi, line, rest
        FROM read_csv({file_list}, columns = {{'line': 'VARCHAR', 'rest': 'VARCHAR'}},
                      header = false, delim = chr(0), quote = '', escape = '',
                      auto_detect = false, strict_mode = false, null_padding = true,
                      new_line = '\\n', ignore_errors = true, compression = '{compression}',
                      max_line_size = 1048576)
        WHERE line IS NOT NULL OR rest IS NOT NULL
    """)
    with open(SQL_FILE, encoding="utf-8") as f:
        con.execute(f.read())

    acc = con.execute("SELECT * FROM accounting").fetchone()
    names = ["records", "accepted", "rejected", "dossiers", "superseded", "in_scope", "not_received"]
    print("accounting: " + ", ".join("%s=%d" % kv for kv in zip(names, acc)), file=sys.stderr)
    for reason, n in con.execute("SELECT reason, n FROM rejects_by_reason").fetchall():
        print("  rejected %-36s %d" % (reason, n), file=sys.stderr)

    cols = ["period", "p_from", "p_to", "partial", "unit_code", "unit_name", "tier",
            "parent_code", "scope", "sector_code"] + COUNTERS
    rows = con.execute("SELECT %s FROM out_rows" % ", ".join(cols)).fetchall()
    # §7.3 order: (from, unit_code, scope own < subtree, sector_code), each bytewise
    rows.sort(key=lambda r: (r[1], r[4].encode(), 0 if r[8] == "own" else 1, r[9].encode()))

    with open(args.out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(["period", "from", "to", "partial", "unit_code", "unit_name", "tier",
                    "parent_code", "scope", "sector_code"] + COUNTERS)
        for r in rows:
            text = [r[0], r[1].isoformat(), r[2].isoformat(), "true" if r[3] else "false",
                    r[4], r[5], r[6], r[7], r[8], r[9]]
            w.writerow([guard(c) for c in text] + [str(int(v)) for v in r[10:]])
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="DuckDB oracle for motcua counters.csv")
    ap.add_argument("--units")
    ap.add_argument("--procedures")
    ap.add_argument("--kind", default="month", choices=KINDS)
    ap.add_argument("--from", dest="date_from", required=True)
    ap.add_argument("--to", dest="date_to", required=True)
    ap.add_argument("--as-of", dest="as_of")
    ap.add_argument("--rules", default="tt01", choices=["tt01", "qd766"])
    ap.add_argument("--breakdown", action="store_true", help="breakdown: [sector]")
    ap.add_argument("--tz", default="+07:00")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("files", nargs="+")
    return run(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
