#!/usr/bin/env python3
"""Polars peer of the DuckDB oracle for motcua's counters.csv (issue 5, SPEC §8 benchmark).

    python3 scripts/bench/polars_counters.py --kind month --from 2024-01-01 --to 2024-12-31 \
        [--rules tt01|qd766] [--tz +07:00] [--threads N] --out counters.csv FILES...

Configuration covered: the benchmark's. dvcqg-ndjson files (gzip, detected by magic bytes, or
plain) taken in the order given (SPEC §2.1: the caller sorts them), no catalogs (SPEC §2.5:
every unit is an unknown root, so the rows are one `own` row per (period, unit) with tier
`unknown` and empty name, parent and sector; no `subtree` rows, no sector breakdown), rules
tt01 (qd766 also implemented), periods of `--kind` day/month/quarter/half/year/custom over
[--from, --to]. The CSV is written as SPEC §7.3 (column order, LF, no BOM, `true`/`false`,
bytewise row order, formula guard) and must be byte-identical to
`scripts/oracle/counters.py` run with the same options and no --units/--procedures.

Everything per record is Polars expressions in one lazy plan run on the streaming engine:
  * lines: `pl.scan_lines` per file (it inflates gzip, all members, and strips LF / CRLF);
    (file index, line index) is the input position; blank lines are dropped, a BOM on a
    file's first line is removed;
  * JSON: `str.json_path_match` (a strict serde_json parser: NaN, trailing commas, trailing
    text and unpaired surrogates fail; a repeated key keeps the last value). A malformed
    line gives null for every path. Polars' typed `str.json_decode` is NOT used: it raises
    on the first malformed line or type mismatch and turns 2.0 into "2". Types are read
    from jsonpath instead:
      - `$.F` is the unescaped text of a string, else the compact JSON of the value, null
        for null/absent: enough for code fields (`2`, `"2"`, `"02"` pass `^[0-9]+$`; `2.0`,
        `true`, objects do not);
      - `$[?(@.F >= '')].F` is non-null exactly when F is a JSON string (the filter is
        applied to the root object itself, never to nested objects): text and date fields;
      - DanhSachLePhi / DanhSachGiayToKetQua: `$.X[0]` is non-null only for a non-empty
        array; then `$.X` (its compact JSON) is examined element by element with
        `$[i].Gia`, `$[i][?(@.Gia >= '')].Gia` and `$[i].DuongDanTepTinKetQua` (a filter
        over the whole array would also match objects nested in inner arrays). Elements
        0..K-1 (K = 4) are done inside the plan; the rare arrays with more elements are
        finished after §3.2, index by index, on the dossiers that have them only.
    A column fed to json_path_match is masked to null on rows that do not need the call
    (e.g. `$.F` only where the string test failed), so most fields cost one parse.
  * §2.4 dates: regexes rewrite each accepted form to `YYYY-mm-dd HH:MM:SS` (+ offset
    minutes), then one `str.strptime(strict=False)`; seconds must be <= 59 (Polars would
    roll 23:59:60 over to the next day).
  * §3.3 checks as one `pl.when` chain in SPEC order; §3.2 latest valid record per MaHoSo
    and the reject counts as one streaming group-by (valid records keyed by MaHoSo, taking
    `pl.all().max_by("pos")`; rejected ones keyed by reason); then, on the dossiers,
    §5.1/§5.2 flags per (dossier, period) and a group-by sum.
`--threads N` sets POLARS_MAX_THREADS before polars is imported. Python only parses
arguments, builds the period table (and loops over periods, one lazy aggregation each),
and handles a file that is not
valid UTF-8 (`scan_lines` refuses the whole file): that file alone is inflated with Python's
gzip module, each invalid byte replaced by NUL (so its line is rejected, as DuckDB drops
it), and scanned from memory.

NOT covered: catalogs (--units/--procedures: subtree scopes, tiers, sector breakdown),
--as-of, the week and nd09 kinds, the csv input format, gzip corruption handling (Polars
fails), KPIs, targets, summary.json. Reject reasons (stderr only) are approximate for
line_too_long (> 1 MiB; the oracle drops those lines) and invalid_utf8 (reported for any
NUL-containing line of a file that needed the UTF-8 fallback). JSON strictness follows
serde_json, not DuckDB: NaN/Infinity, trailing commas, unpaired surrogates and nesting at
serde_json's 128-level limit are malformed here (SPEC: deeper than 64); repeated keys keep the last value (SPEC) where the oracle
keeps the first. A lone CR stays inside its line (SPEC) where the oracle splits the line.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import re
import sys

COUNTERS = ["new_online", "new_direct", "new_postal", "new_offline", "carried_over",
            "received_total", "resolved_total", "resolved_early", "resolved_on_time",
            "resolved_late", "withdrawn", "pending_total", "pending_within", "pending_overdue",
            "returned_total", "returned_postal", "fee_bearing", "paid_online", "digitized",
            "e_result"]
MAX_LINE_BYTES = 1 << 20
K_ELEMS = 4          # array elements examined inside the lazy plan (longer arrays: tail_hits)
BAD_UTF8: set[str] = set()   # files scan_lines refused as invalid UTF-8 (filled by run)
ENGLISH = {"receiving": 1, "new": 2, "denied": 3, "processing": 4, "waiting": 5, "paying": 6,
           "cancelled": 7, "unresolved": 8, "releasing": 9, "done": 10}


# ----------------------------------------------------------------------------- §4 periods

def periods_for(kind: str, frm: dt.date, to: dt.date):
    """[(label, from, to)] of every period of `kind` overlapping [frm, to]."""
    if kind == "custom":
        return [("%s..%s" % (frm.isoformat(), to.isoformat()), frm, to)]
    out, d = [], frm
    while d <= to:
        if kind == "day":
            a, b, label = d, d, d.isoformat()
        else:
            span = {"month": 1, "quarter": 3, "half": 6, "year": 12}[kind]
            m0 = (d.month - 1) // span * span + 1          # first month of the block
            a = dt.date(d.year, m0, 1)
            nm = m0 + span
            b = (dt.date(d.year + 1, 1, 1) if nm > 12 else dt.date(d.year, nm, 1)) - dt.timedelta(days=1)
            label = {"month": "%04d-%02d" % (d.year, m0),
                     "quarter": "%04d-Q%d" % (d.year, (m0 - 1) // 3 + 1),
                     "half": "%04d-H%d" % (d.year, (m0 - 1) // 6 + 1),
                     "year": "%04d" % d.year}[kind]
        out.append((label, a, b))
        d = b + dt.timedelta(days=1)
    return out


def tz_minutes(s: str) -> int:
    m = re.fullmatch(r"([+-])([0-9]{2}):([0-9]{2})", s)
    if not m:
        sys.exit("bad --tz %r (want ±hh:mm)" % s)
    v = int(m.group(2)) * 60 + int(m.group(3))
    return -v if m.group(1) == "-" else v


# ----------------------------------------------------------------------------- arrays

def elem_fee(pl, a, i: int):
    """Element i of a DanhSachLePhi array (`a`: its compact JSON) has Gia > 0 (§2.2)."""
    v = a.str.json_path_match("$[%d].Gia" % i)                   # an object with a non-null Gia
    s = a.str.json_path_match("$[%d][?(@.Gia >= '')].Gia" % i)   # ... that is a string
    t = s.str.strip_chars(" \t\r\n")
    str_pos = t.str.contains(r"^[+-]?[0-9]+(\.[0-9]+)?$") & ~t.str.starts_with("-") & t.str.contains("[1-9]")
    num_pos = v.cast(pl.Float64, strict=False) > 0
    return (v.is_not_null() & pl.when(s.is_not_null()).then(str_pos).otherwise(num_pos)).fill_null(False)


def elem_eres(pl, a, i: int):
    """Element i of a DanhSachGiayToKetQua array has a non-empty DuongDanTepTinKetQua."""
    v = a.str.json_path_match("$[%d].DuongDanTepTinKetQua" % i)
    return (v.is_not_null() & (v != "")).fill_null(False)


def tail_hits(pl, series, elem):
    """Per-index hits for the arrays longer than K_ELEMS (eager, on those rows only)."""
    frame = pl.DataFrame({"a": series})
    i = K_ELEMS
    while frame.select(pl.col("a").str.json_path_match("$[%d]" % i).is_not_null().any()).item():
        yield frame.select(elem(pl, pl.col("a"), i)).to_series()
        i += 1


# ----------------------------------------------------------------------------- the plan

def build(pl, files: list[str], tz_min: int):
    """LazyFrame of every non-blank line: pos (file index << 32 | line index), reason (the
    first failed §3.3 check, null when valid) and the dossier's columns."""

    def scan(i: int, path: str, source=None):
        lf = pl.scan_lines(source if source is not None else path, row_index_name="ln")
        return lf.select(pos=pl.lit(i, pl.Int64) * (1 << 32) + pl.col("ln").cast(pl.Int64),
                         first=pl.col("ln") == 0, line=pl.col("line"))

    # a file scan_lines refused as invalid UTF-8 (see run) is read through utf8_fallback
    parts = [scan(i, p, utf8_fallback(p) if p in BAD_UTF8 else None) for i, p in enumerate(files)]
    fallback = [i for i, p in enumerate(files) if p in BAD_UTF8]
    lf = pl.concat(parts, how="vertical")

    L0 = pl.col("line")
    # §2.1: BOM at the start of a file; blank lines are not records
    lf = lf.with_columns(line=pl.when(pl.col("first")).then(L0.str.strip_prefix("\ufeff")).otherwise(L0))
    lf = lf.filter(pl.col("line") != "")
    lf = lf.with_columns(
        too_long=pl.col("line").str.len_bytes() > MAX_LINE_BYTES,
        fb_nul=(pl.lit(False) if not fallback else
                ((pl.col("pos") // (1 << 32)).is_in(fallback) & pl.col("line").str.contains("\x00", literal=True))),
    )
    L = pl.when(~pl.col("too_long")).then(pl.col("line"))

    def jp(path: str, mask=None):
        src = L if mask is None else pl.when(mask & ~pl.col("too_long")).then(pl.col("line"))
        return src.str.json_path_match(path)

    text_fields = ["MaHoSo", "MaDonVi", "MaTTHC", "MaLinhVuc",
                   "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra"]
    code_fields = ["KenhThucHien", "MucDo", "TrangThaiHoSo", "HinhThuc",
                   "DuocThanhToanTrucTuyen", "HoSoCoThanhPhanSoHoa"]
    # pass 1: string values of text/date fields, raw values of code fields, array probes
    lf = lf.with_columns(
        [jp("$[?(@.%s >= '')].%s" % (f, f)).alias("s_" + f) for f in text_fields]
        + [jp("$.%s" % f).alias("v_" + f) for f in code_fields]
        + [jp("$.%s[0]" % f).is_not_null().alias("ne_" + f) for f in ("DanhSachLePhi", "DanhSachGiayToKetQua")]
    )
    # pass 2: raw value only where the field is not a string (absent, null, or wrong type),
    # the array's own JSON only where it is a non-empty array
    lf = lf.with_columns(
        [jp("$.%s" % f, pl.col("s_" + f).is_null()).alias("v_" + f) for f in text_fields]
        + [jp("$.%s" % f, pl.col("ne_" + f)).alias("a_" + f) for f in ("DanhSachLePhi", "DanhSachGiayToKetQua")]
    )
    # pass 3: validity of the JSON only for lines where MaHoSo gave nothing at all
    lf = lf.with_columns(
        ok_json=pl.when(pl.col("s_MaHoSo").is_not_null() | pl.col("v_MaHoSo").is_not_null()).then(True)
        .otherwise(jp("$", pl.col("s_MaHoSo").is_null() & pl.col("v_MaHoSo").is_null()).is_not_null()
                   & pl.col("line").str.contains(r"^[ \t\r\n]*\{"))
    )

    # ---- per-field values (§2.2)
    def present(f):      # not null, not absent, not ""
        return (pl.col("s_" + f).is_not_null() & (pl.col("s_" + f) != "")) | pl.col("v_" + f).is_not_null()

    def is_str(f):
        return pl.col("s_" + f).is_not_null()

    def sval(f):         # the string value, "" meaning absent
        return pl.when(pl.col("s_" + f) != "").then(pl.col("s_" + f))

    def code_raw(f):     # a code field's text, "" meaning absent
        return pl.when(pl.col("v_" + f) != "").then(pl.col("v_" + f))

    def code_int(f):     # ASCII digits of a small value -> integer, else null
        v = code_raw(f)
        ok = v.str.contains(r"^[0-9]+$") & (v.str.strip_chars_start("0").str.len_bytes() <= 3)
        return pl.when(ok).then(v.cast(pl.Int32, strict=False))

    def status_expr():
        v = code_raw("TrangThaiHoSo")
        num = code_int("TrangThaiHoSo")
        # (a when/then chain, not replace_strict: that one is not a streaming operator)
        low = pl.when(v.str.contains(r"^[A-Za-z]+$")).then(v.str.to_lowercase())
        eng = pl.when(pl.lit(False)).then(pl.lit(None, pl.Int32))
        for name, code in ENGLISH.items():
            eng = eng.when(low == name).then(pl.lit(code, pl.Int32))
        return pl.when(num.is_between(1, 10)).then(num).when(num.is_null()).then(eng)

    def local_date(f):
        """§2.4: the local calendar date of a date field's string value, null when invalid."""
        s = sval(f)
        D4, D2 = "([0-9]{4})", "([0-9]{2})"
        iso = r"^%s-%s-%sT%s:%s:%s(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})?$" % (D4, D2, D2, D2, D2, D2)
        forms = [  # (regex, canonical "Y-m-d H:M:S" template)
            (r"^%s%s%s%s%s%s$" % (D4, D2, D2, D2, D2, D2), "${1}-${2}-${3} ${4}:${5}:${6}"),
            (r"^%s%s%s$" % (D4, D2, D2), "${1}-${2}-${3} 00:00:00"),
            (iso, "${1}-${2}-${3} ${4}:${5}:${6}"),
            (r"^%s-%s-%s %s:%s:%s$" % (D4, D2, D2, D2, D2, D2), "${1}-${2}-${3} ${4}:${5}:${6}"),
            (r"^%s-%s-%s$" % (D4, D2, D2), "${1}-${2}-${3} 00:00:00"),
            (r"^%s/%s/%s %s:%s:%s$" % (D2, D2, D4, D2, D2, D2), "${3}-${2}-${1} ${4}:${5}:${6}"),
            (r"^%s/%s/%s %s:%s$" % (D2, D2, D4, D2, D2), "${3}-${2}-${1} ${4}:${5}:00"),
            (r"^%s/%s/%s$" % (D2, D2, D4), "${3}-${2}-${1} 00:00:00"),
        ]
        canon = pl.when(pl.lit(False)).then(pl.lit(None, pl.String))
        for rx, tpl in forms:
            canon = canon.when(s.str.contains(rx)).then(s.str.replace(rx, tpl))
        naive = pl.when(canon.str.slice(17, 2) <= "59").then(
            canon.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False))
        off = s.str.extract(r"T[0-9:]{8}(?:\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$", 1)
        hh = off.str.slice(1, 2).cast(pl.Int32, strict=False)
        mm = off.str.slice(4, 2).cast(pl.Int32, strict=False)
        off_min = (pl.when(off == "Z").then(0)
                   .when((hh <= 14) & (mm <= 59))
                   .then(pl.when(off.str.starts_with("-")).then(-1).otherwise(1) * (hh * 60 + mm)))
        shifted = naive + pl.duration(minutes=pl.lit(tz_min) - off_min)
        return pl.when(off.is_null()).then(naive.dt.date()).otherwise(shifted.dt.date())

    A_FEE, A_KQ = pl.col("a_DanhSachLePhi"), pl.col("a_DanhSachGiayToKetQua")
    lf = lf.with_columns(
        mhs=sval("MaHoSo"),
        dv=sval("MaDonVi"),
        st=status_expr(),
        kenh=code_int("KenhThucHien"), mucdo=code_int("MucDo"), ht=code_int("HinhThuc"),
        paid=code_int("DuocThanhToanTrucTuyen"), digit=code_int("HoSoCoThanhPhanSoHoa"),
        d_recv=local_date("NgayTiepNhan"), d_due=local_date("NgayHenTra"),
        d_end=local_date("NgayKetThucXuLy"), d_ret=local_date("NgayTra"),
        fee=pl.any_horizontal([elem_fee(pl, A_FEE, i) for i in range(K_ELEMS)]),
        eres=pl.any_horizontal([elem_eres(pl, A_KQ, i) for i in range(K_ELEMS)]),
        fee_tail=pl.when(A_FEE.str.json_path_match("$[%d]" % K_ELEMS).is_not_null()).then(A_FEE),
        kq_tail=pl.when(A_KQ.str.json_path_match("$[%d]" % K_ELEMS).is_not_null()).then(A_KQ),
    )
    lf = lf.with_columns(
        dv_derived=pl.col("mhs").str.extract(r"^([0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2})-", 1))

    # ---- §3.3 checks, first failure wins
    st = pl.col("st")

    def bad_code(f, col, allowed):
        return code_raw(f).is_not_null() & ~pl.col(col).is_in(allowed).fill_null(False)

    def bad_date(f, col):
        return present(f) & (~is_str(f) | pl.col(col).is_null())

    checks = [
        (pl.col("too_long"), "line_too_long"),
        (pl.col("fb_nul"), "invalid_utf8"),
        (~pl.col("ok_json"), "malformed_json"),
        (~present("MaHoSo"), "missing_field:MaHoSo"),
        (~present("MaDonVi") & pl.col("dv_derived").is_null(), "missing_field:MaDonVi"),
        (code_raw("TrangThaiHoSo").is_null(), "missing_field:TrangThaiHoSo"),
        (~present("NgayTiepNhan") & ~st.is_in([1, 3]).fill_null(False), "missing_field:NgayTiepNhan"),
        (~present("NgayKetThucXuLy") & st.is_in([7, 8, 9, 10]).fill_null(False), "missing_field:NgayKetThucXuLy"),
        (st.is_null(), "invalid_value:TrangThaiHoSo"),
        (~is_str("MaHoSo"), "invalid_value:MaHoSo"),
        (present("MaDonVi") & ~is_str("MaDonVi"), "invalid_value:MaDonVi"),
        (present("MaTTHC") & ~is_str("MaTTHC"), "invalid_value:MaTTHC"),
        (present("MaLinhVuc") & ~is_str("MaLinhVuc"), "invalid_value:MaLinhVuc"),
        (bad_code("KenhThucHien", "kenh", [1, 2, 3]), "invalid_value:KenhThucHien"),
        (bad_code("MucDo", "mucdo", [2, 3, 4]), "invalid_value:MucDo"),
        (bad_date("NgayTiepNhan", "d_recv"), "invalid_value:NgayTiepNhan"),
        (bad_date("NgayHenTra", "d_due"), "invalid_value:NgayHenTra"),
        (bad_date("NgayKetThucXuLy", "d_end"), "invalid_value:NgayKetThucXuLy"),
        (bad_date("NgayTra", "d_ret"), "invalid_value:NgayTra"),
        (bad_code("HinhThuc", "ht", [0, 1]), "invalid_value:HinhThuc"),
        (bad_code("DuocThanhToanTrucTuyen", "paid", [0, 1, 2, 3]), "invalid_value:DuocThanhToanTrucTuyen"),
        (bad_code("HoSoCoThanhPhanSoHoa", "digit", [0, 1]), "invalid_value:HoSoCoThanhPhanSoHoa"),
        (pl.col("d_end") < pl.col("d_recv"), "ended_before_received"),
    ]
    reason = pl.when(pl.lit(False)).then(pl.lit(None, pl.String))
    for cond, name in checks:
        reason = reason.when(cond.fill_null(False)).then(pl.lit(name))

    return lf.select(
        "pos",
        reason.alias("reason"),
        pl.col("mhs").alias("dossier_id"),
        pl.coalesce("dv", "dv_derived").alias("unit_code"),
        pl.col("kenh").fill_null(1).cast(pl.Int8).alias("channel"),
        st.cast(pl.Int8).alias("status"),
        "d_recv", "d_due", "d_end", "d_ret",
        pl.col("ht").cast(pl.Int8).alias("return_channel"),
        pl.col("paid").cast(pl.Int8).alias("paid_online"),
        pl.col("digit").cast(pl.Int8).alias("digitized"),
        "fee", "eres", "fee_tail", "kq_tail",
    )


def utf8_fallback(path: str) -> bytes:
    """A file scan_lines refuses (invalid UTF-8): inflate it here, invalid bytes -> NUL."""
    with open(path, "rb") as f:
        magic = f.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        raw = f.read()
    return raw.decode("utf-8", errors="nul").encode("utf-8")


def run(args) -> int:
    if args.threads:
        os.environ["POLARS_MAX_THREADS"] = str(args.threads)
    import codecs
    import polars as pl

    codecs.register_error("nul", lambda e: ("\x00" * (e.end - e.start), e.end))
    frm = dt.date.fromisoformat(args.date_from)
    to = dt.date.fromisoformat(args.date_to)
    tz_min = tz_minutes(args.tz)

    files = list(args.files)

    def plan():
        # One streaming group-by does §3.2 and the reject counts: valid records are grouped
        # by dossier and keep the values of their last record (max input position), rejected
        # ones by reason. (Two plans through pl.collect_all would share the JSON work but
        # cache every record in memory.)
        recs = build(pl, files, tz_min).with_columns(ok=pl.col("reason").is_null())
        return (recs.with_columns(key=pl.when(pl.col("ok")).then(pl.col("dossier_id")).otherwise(pl.col("reason")))
                .drop("dossier_id", "reason")
                .group_by("ok", "key")
                .agg(pl.len().alias("n"), pl.all().exclude("ok", "key").max_by("pos")))

    try:
        groups = plan().collect(engine="streaming")
    except pl.exceptions.ComputeError as e:
        if "utf8" not in str(e).lower() and "utf-8" not in str(e).lower():
            raise
        for p in files:   # find the files scan_lines refuses, read those in Python
            try:
                pl.scan_lines(p).select(pl.col("line").str.len_bytes().sum()).collect()
            except pl.exceptions.ComputeError:
                BAD_UTF8.add(p)
        groups = plan().collect(engine="streaming")
    dossiers = groups.filter(pl.col("ok")).rename({"key": "dossier_id"}).drop("ok", "n")
    by_reason = groups.filter(~pl.col("ok")).select(pl.col("key").alias("reason"), "n")

    # arrays longer than K_ELEMS (none in generated data): finish fee / eres of those dossiers
    for tail, flag, elem in (("fee_tail", "fee", elem_fee), ("kq_tail", "eres", elem_eres)):
        if dossiers[tail].is_not_null().any():
            idx = dossiers.with_row_index("_r").filter(pl.col(tail).is_not_null())
            acc = pl.Series([False] * idx.height)
            for hit in tail_hits(pl, idx[tail], elem):
                acc = acc | hit
            upd = pl.DataFrame({"_r": idx["_r"], "_hit": acc})
            dossiers = (dossiers.with_row_index("_r").join(upd, on="_r", how="left")
                        .with_columns(pl.col(flag) | pl.col("_hit").fill_null(False)).drop("_r", "_hit"))

    # accounting and rejects (stderr), as the oracle prints them
    accepted = int(groups.filter(pl.col("ok"))["n"].sum())
    records = accepted + int(by_reason["n"].sum())
    n_dossiers = dossiers.height
    not_recv = dossiers.filter(pl.col("status").is_in([1, 3])).height
    acc_vals = [records, accepted, records - accepted, n_dossiers,
                accepted - n_dossiers, n_dossiers - not_recv, not_recv]
    names = ["records", "accepted", "rejected", "dossiers", "superseded", "in_scope", "not_received"]
    print("accounting: " + ", ".join("%s=%d" % kv for kv in zip(names, acc_vals)), file=sys.stderr)
    for reason, n in by_reason.sort("reason").iter_rows():
        print("  rejected %-36s %d" % (reason, n), file=sys.stderr)

    # ---- §5.1 / §5.2 counters per (period, unit): one aggregation of the dossiers per
    # period (period bounds are literals; no dossier x period table is materialized)
    periods = pl.DataFrame(periods_for(args.kind, frm, to), schema=["label", "p_from", "p_to"], orient="row")
    terminal = [7, 8, 9, 10] if args.rules == "qd766" else [7, 9, 10]
    tt01 = args.rules == "tt01"
    c = pl.col
    in_scope = dossiers.lazy().filter(~c("status").is_in([1, 3]))

    def period_counts(label: str, p_from: dt.date, p_to: dt.date):
        a, b = pl.lit(p_from), pl.lit(p_to)
        term = c("status").is_in(terminal)
        new = c("d_recv") >= a
        ended_before = (term & (c("d_end") < a)).fill_null(False)      # ended(from - 1 day)
        ended_to = (term & (c("d_end") <= b)).fill_null(False)         # ended(to)
        ret_in = c("d_ret").is_between(a, b).fill_null(False)
        resolved = ended_to & (c("d_end") >= a).fill_null(False)
        pending = ~ended_to
        carried = ~new & ~ended_before
        # §5.1 classes of a resolved / a pending dossier
        on_time = ((pl.lit(tt01) & (c("status") == 7)) | c("d_due").is_null() | (c("d_end") == c("d_due")))
        early = ~on_time & (c("d_end") < c("d_due"))
        late = ~on_time & (c("d_end") > c("d_due"))
        within = (pl.lit(tt01) & c("status").is_in([5, 6, 8])) | c("d_due").is_null() | (c("d_due") >= b)
        flags = {
            "new_online": new & (c("channel") == 2),
            "new_direct": new & (c("channel") == 1),
            "new_postal": new & (c("channel") == 3),
            "new_offline": new & c("channel").is_in([1, 3]),
            "carried_over": carried,
            "received_total": new | carried,
            "resolved_total": resolved,
            "resolved_early": resolved & early,
            "resolved_on_time": resolved & on_time,
            "resolved_late": resolved & late,
            "withdrawn": resolved & (c("status") == 7),
            "pending_total": pending,
            "pending_within": pending & within,
            "pending_overdue": pending & ~within,
            "returned_total": ret_in,
            "returned_postal": ret_in & (c("return_channel") == 1),
            "fee_bearing": new & c("fee"),
            "paid_online": new & c("fee") & c("paid_online").is_in([1, 2]),
            "digitized": new & (c("digitized") == 1),
            "e_result": resolved & c("eres"),
        }
        return (in_scope.filter(c("d_recv") <= b)
                .group_by("unit_code")
                .agg([f.fill_null(False).sum().cast(pl.Int64).alias(k) for k, f in flags.items()])
                .with_columns(label=pl.lit(label)))

    counts = pl.concat([period_counts(*p) for p in periods.iter_rows()], how="vertical")

    # ---- §5.3 rows: no catalogs, so every unit of a dossier is an unknown root, own scope
    units = dossiers.lazy().select("unit_code").unique()
    guard_rx = r"^[=+\-@\t\r]"

    def guard(e):
        return pl.when(e.str.contains(guard_rx)).then(pl.lit("'") + e).otherwise(e)

    rows = (periods.lazy().join(units, how="cross")
            .join(counts, on=["label", "unit_code"], how="left")
            .sort(["p_from", "unit_code"])
            .select(
                guard(c("label")).alias("period"),
                c("p_from").alias("from"), c("p_to").alias("to"),
                pl.lit("false").alias("partial"),
                guard(c("unit_code")).alias("unit_code"),
                pl.lit(None, pl.String).alias("unit_name"),
                pl.lit("unknown").alias("tier"),
                pl.lit(None, pl.String).alias("parent_code"),
                pl.lit("own").alias("scope"),
                pl.lit(None, pl.String).alias("sector_code"),
                *[c(k).fill_null(0) for k in COUNTERS],
            )).collect(engine="streaming")
    # empty text cells are nulls: Polars writes "" for an empty string, the oracle nothing
    rows.write_csv(args.out, line_terminator="\n", quote_style="necessary", null_value="")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Polars peer of the DuckDB oracle for counters.csv")
    ap.add_argument("--kind", default="month", choices=["day", "month", "quarter", "half", "year", "custom"])
    ap.add_argument("--from", dest="date_from", required=True)
    ap.add_argument("--to", dest="date_to", required=True)
    ap.add_argument("--rules", default="tt01", choices=["tt01", "qd766"])
    ap.add_argument("--tz", default="+07:00")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("files", nargs="+")
    return run(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
