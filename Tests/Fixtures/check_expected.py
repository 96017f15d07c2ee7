#!/usr/bin/env python3
"""Self-check of the hand-written expected files under Tests/Fixtures/cases/.

It never computes counters from the input data. It only checks that what a human wrote
in expected/ is internally consistent with SPEC.md:
  - counters.csv: exact header, 30 columns, LF endings, `partial` is a boolean, rows sorted
    by (from, unit_code, own before subtree, sector_code);
  - the identities of SPEC §5.2 on every row, plus obvious bounds (withdrawn ≤ resolved…);
  - carried_over(next period) = pending_total(this period) for every unit-total row;
  - subtree rows = sum of the own rows of the unit and its descendants (units.csv);
  - with sector rows: the sector rows of a (period, unit, scope) add up to its total row,
    and none of them is all zero;
  - accounting.json: the identities of SPEC §3.4; rejected = lines of rejects.tsv.
  - kpis.csv (when present): exact header, LF, rows sorted by (from, unit_code, own before
    subtree, kpi), the 14 KPIs of SPEC §5.4 for every unit-total row of counters.csv; the
    nine counter ratios use the numerator/denominator of that counters row; value = the
    ratio rounded half-even to 6 decimals, empty when the denominator is 0; met agrees with
    target_min/target_max (§5.5) and is empty when the value is or no target applies.
  - data-quality.csv (when present; issue 15): exact header, LF, rows sorted by (unit_code,
    check) bytewise after the formula guard is taken off, one row per (unit, check), each
    check a known code with its Vietnamese name, count ≥ 1, at most five distinct examples in
    bytewise order and no more than the count; data-quality.json (when present) holds the
    same rows.

Run: python3 Tests/Fixtures/check_expected.py   (exit 1 on the first inconsistent case)
"""
import csv
import io
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")

HEADER = ("period,from,to,partial,unit_code,unit_name,tier,parent_code,scope,sector_code,"
          "new_online,new_direct,new_postal,new_offline,carried_over,received_total,"
          "resolved_total,resolved_early,resolved_on_time,resolved_late,withdrawn,"
          "pending_total,pending_within,pending_overdue,returned_total,returned_postal,"
          "fee_bearing,paid_online,digitized,e_result").split(",")
COUNTERS = HEADER[10:]
GUARD = ("=", "+", "-", "@", "\t", "\r")


def unguard(cell: str) -> str:
    if len(cell) >= 2 and cell[0] == "'" and cell[1] in GUARD:
        return cell[1:]
    return cell


def fail(case: str, msg: str) -> None:
    print(f"FAIL {case}: {msg}")
    sys.exit(1)


def check_counters(case: str, path: str, units_csv: str) -> int:
    raw = open(path, "rb").read()
    if b"\r\n" in raw.replace(b'"\r\n', b"") or not raw.endswith(b"\n"):
        fail(case, "counters.csv must use LF and end with LF")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    if rows[0] != HEADER:
        fail(case, "header differs")
    body = rows[1:]
    recs = []
    for r in body:
        if len(r) != 30:
            fail(case, f"row with {len(r)} columns: {r}")
        if r[3] not in ("true", "false"):
            fail(case, f"partial not boolean: {r}")
        if r[8] not in ("own", "subtree"):
            fail(case, f"bad scope: {r}")
        c = dict(zip(COUNTERS, map(int, r[10:])))
        recs.append((r, c))
        ctx = f"{r[0]} {r[4]} {r[8]} {r[9]!r}"
        if c["new_offline"] != c["new_direct"] + c["new_postal"]:
            fail(case, f"new_offline identity: {ctx}")
        if c["received_total"] != c["new_online"] + c["new_offline"] + c["carried_over"]:
            fail(case, f"received_total identity: {ctx}")
        if c["received_total"] != c["resolved_total"] + c["pending_total"]:
            fail(case, f"received = resolved + pending: {ctx}")
        if c["resolved_total"] != c["resolved_early"] + c["resolved_on_time"] + c["resolved_late"]:
            fail(case, f"resolved identity: {ctx}")
        if c["pending_total"] != c["pending_within"] + c["pending_overdue"]:
            fail(case, f"pending identity: {ctx}")
        new = c["new_online"] + c["new_offline"]
        if not (c["withdrawn"] <= c["resolved_total"] and c["returned_postal"] <= c["returned_total"]
                and c["paid_online"] <= c["fee_bearing"] <= new and c["digitized"] <= new
                and c["e_result"] <= c["resolved_total"]):
            fail(case, f"bounds: {ctx}")
    # sort order
    keys = [(r[1], r[4], 0 if r[8] == "own" else 1, unguard(r[9])) for r, _ in recs]
    if keys != sorted(keys, key=lambda k: (k[0].encode(), k[1].encode(), k[2], k[3].encode())):
        fail(case, "rows are not sorted")
    if len(set(keys)) != len(keys):
        fail(case, "duplicate row key")
    totals = {(r[1], r[4], r[8]): c for r, c in recs if r[9] == ""}
    # every unit has the same rows in every period
    periods = sorted({r[1] for r, _ in recs})
    per = {p: sorted((u, s) for (pp, u, s) in totals if pp == p) for p in periods}
    if len({tuple(v) for v in per.values()}) != 1:
        fail(case, "unit rows differ between periods")
    # carry-over chain
    for i in range(1, len(periods)):
        for (u, s) in per[periods[i]]:
            if totals[(periods[i], u, s)]["carried_over"] != totals[(periods[i - 1], u, s)]["pending_total"]:
                fail(case, f"carried_over chain broken at {periods[i]} {u} {s}")
    # sector rows add up to the total row
    sectors = {}
    for r, c in recs:
        if r[9] != "":
            if not any(c.values()):
                fail(case, f"all-zero sector row {r[0]} {r[4]} {r[9]!r}")
            acc = sectors.setdefault((r[1], r[4], r[8]), dict.fromkeys(COUNTERS, 0))
            for k in COUNTERS:
                acc[k] += c[k]
    for key, acc in sectors.items():
        if acc != totals[key]:
            fail(case, f"sector rows do not add up to the total of {key}")
    # subtree = own rows of the unit and its descendants
    children = {}
    if os.path.exists(units_csv):
        for row in csv.DictReader(open(units_csv, encoding="utf-8-sig", newline="")):
            if row["parent_code"].strip():
                children.setdefault(row["parent_code"].strip(), []).append(row["unit_code"].strip())

    def subtree(u):
        out = [u]
        for ch in children.get(u, []):
            out += subtree(ch)
        return out

    for (p, u, s), c in totals.items():
        if s == "subtree":
            if u not in children:
                fail(case, f"subtree row for a unit without children: {u}")
            want = dict.fromkeys(COUNTERS, 0)
            for v in subtree(u):
                for k in COUNTERS:
                    want[k] += totals[(p, v, "own")][k]
            if want != c:
                fail(case, f"subtree of {u} in {p} is not the sum of own rows")
        elif u in children and (p, u, "subtree") not in totals:
            fail(case, f"missing subtree row for {u} in {p}")
    return len(body)


KPI_HEADER = ("period,from,to,partial,unit_code,unit_name,tier,scope,kpi,numerator,"
              "denominator,value,target_min,target_max,met").split(",")
KPI_NAMES = sorted(["online_rate", "postal_intake_rate", "postal_return_rate", "resolution_rate",
                    "on_time_rate", "progress_rate", "online_payment_rate", "e_result_rate",
                    "digitization_rate", "online_service_share", "online_service_share_l4",
                    "online_usage_rate_l3", "online_usage_rate_l4", "postal_procedure_rate"],
                   key=str.encode)
KPI_RATIOS = {
    "online_rate": lambda c: (c["new_online"], c["new_online"] + c["new_offline"]),
    "postal_intake_rate": lambda c: (c["new_postal"], c["new_online"] + c["new_offline"]),
    "postal_return_rate": lambda c: (c["returned_postal"], c["returned_total"]),
    "resolution_rate": lambda c: (c["resolved_total"], c["received_total"]),
    "on_time_rate": lambda c: (c["resolved_early"] + c["resolved_on_time"], c["resolved_total"]),
    "progress_rate": lambda c: (c["resolved_early"] + c["resolved_on_time"] + c["pending_within"],
                                c["received_total"]),
    "online_payment_rate": lambda c: (c["paid_online"], c["fee_bearing"]),
    "e_result_rate": lambda c: (c["e_result"], c["resolved_total"]),
    "digitization_rate": lambda c: (c["digitized"], c["new_online"] + c["new_offline"]),
}


def six(num: int, den: int) -> str:
    """num/den rounded half-even to 6 decimals (exact integer arithmetic)."""
    q, r = divmod(num * 10**6, den)
    if 2 * r > den or (2 * r == den and q % 2 == 1):
        q += 1
    return f"{q // 10**6}.{q % 10**6:06d}"


def check_kpis(case: str, path: str, counters_path: str) -> None:
    raw = open(path, "rb").read()
    if b"\r\n" in raw.replace(b'"\r\n', b"") or not raw.endswith(b"\n"):
        fail(case, "kpis.csv must use LF and end with LF")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    if rows[0] != KPI_HEADER:
        fail(case, "kpis.csv header differs")
    totals = {}
    for r in list(csv.reader(io.StringIO(open(counters_path, encoding="utf-8").read(), newline="")))[1:]:
        if r[9] == "":
            totals[(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[8])] = dict(zip(COUNTERS, map(int, r[10:])))
    seen = {}
    keys = []
    for r in rows[1:]:
        if len(r) != 15:
            fail(case, f"kpis row with {len(r)} columns: {r}")
        ctx = f"kpis {r[0]} {r[4]} {r[7]} {r[8]}"
        key = tuple(r[:8])
        if key not in totals:
            fail(case, f"{ctx}: no unit-total counters row with the same columns")
        seen.setdefault(key, []).append(r[8])
        keys.append((r[1].encode(), r[4].encode(), 0 if r[7] == "own" else 1, r[8].encode()))
        num, den = int(r[9]), int(r[10])
        if r[8] in KPI_RATIOS and KPI_RATIOS[r[8]](totals[key]) != (num, den):
            fail(case, f"{ctx}: {num}/{den} but counters give {KPI_RATIOS[r[8]](totals[key])}")
        if not (0 <= num <= den or (den == 0 and num == 0)):
            fail(case, f"{ctx}: numerator/denominator out of range")
        want = six(num, den) if den else ""
        if r[11] != want:
            fail(case, f"{ctx}: value {r[11]!r}, want {want!r}")
        tmin, tmax, met = r[12], r[13], r[14]
        for b in (tmin, tmax):
            if b and not (len(b.split(".")[-1]) == 6 and "." in b):
                fail(case, f"{ctx}: bound {b!r} not written with 6 decimals")
        if not (tmin or tmax) or r[11] == "":
            if met != "":
                fail(case, f"{ctx}: met must be empty")
        else:
            v = int(r[11].replace(".", ""))
            ok = (not tmin or v >= int(tmin.replace(".", ""))) and (not tmax or v <= int(tmax.replace(".", "")))
            if met != ("true" if ok else "false"):
                fail(case, f"{ctx}: met {met!r} disagrees with the bounds")
    if keys != sorted(keys) or len(set(keys)) != len(keys):
        fail(case, "kpis.csv rows are not sorted or repeat")
    for key in totals:
        if seen.get(key) != KPI_NAMES:
            fail(case, f"kpis.csv: {key[4]} {key[7]} in {key[0]} lacks the 14 KPIs")


DQ_HEADER = ["unit_code", "unit_name", "check", "check_name", "count", "examples"]
DQ_NAMES = {
    "done_without_returned_at": "Đã trả kết quả nhưng không có ngày trả",
    "due_before_received": "Ngày hẹn trả trước ngày tiếp nhận",
    "ended_or_returned_after_as_of": "Ngày kết thúc xử lý hoặc ngày trả sau ngày chốt số liệu",
    "overdue_over_365_days": "Chưa giải quyết xong và quá hạn hơn 365 ngày",
    "unit_differs_from_dossier_id": "Mã đơn vị khác đơn vị trong mã hồ sơ",
    "procedure_not_in_catalog": "Mã TTHC không có trong danh mục thủ tục",
    "status_went_back": "Trạng thái lùi lại so với lần đồng bộ trước",
    "received_at_changed": "Ngày tiếp nhận bị thay đổi giữa các lần đồng bộ",
    "rejects": "Bản ghi bị loại (không hợp lệ)",
}


def check_data_quality(case: str, path: str) -> int:
    raw = open(path, "rb").read()
    if b"\r\n" in raw or not raw.endswith(b"\n"):
        fail(case, "data-quality.csv must use LF and end with LF")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    if rows[0] != DQ_HEADER:
        fail(case, "data-quality.csv header differs")
    keys = []
    plain = []
    for r in rows[1:]:
        unit, name, check, check_name, count, examples = [unguard(c) for c in r]
        if DQ_NAMES.get(check) != check_name:
            fail(case, f"data-quality.csv: unknown check or name {check!r} {check_name!r}")
        ex = examples.split(" ") if examples else []
        if int(count) < 1 or len(ex) > 5 or len(ex) > int(count) or len(set(ex)) != len(ex):
            fail(case, f"data-quality.csv: count/examples of {unit} {check}")
        if [e.encode() for e in ex] != sorted(e.encode() for e in ex):
            fail(case, f"data-quality.csv: examples of {unit} {check} not in bytewise order")
        keys.append((unit.encode(), check.encode()))
        plain.append({"unit_code": unit, "unit_name": name, "check": check, "check_name": check_name,
                      "count": int(count), "examples": ex})
    if keys != sorted(keys) or len(set(keys)) != len(keys):
        fail(case, "data-quality.csv: rows not sorted by (unit_code, check), or a pair twice")
    js = os.path.join(os.path.dirname(path), "data-quality.json")
    if os.path.exists(js):
        doc = json.load(open(js, encoding="utf-8"))
        if doc.get("schema_version") != 1 or doc.get("rows") != plain:
            fail(case, "data-quality.json rows differ from data-quality.csv")
    return len(plain)


def main() -> None:
    names = sorted(os.listdir(CASES))
    for case in names:
        d = os.path.join(CASES, case)
        exp = os.path.join(d, "expected")
        if not os.path.exists(os.path.join(d, "pipeline.yaml")):
            fail(case, "no pipeline.yaml")
        n = 0
        counters = os.path.join(exp, "counters.csv")
        if os.path.exists(counters):
            n = check_counters(case, counters, os.path.join(d, "units.csv"))
            kpis = os.path.join(exp, "kpis.csv")
            if os.path.exists(kpis):
                check_kpis(case, kpis, counters)
        dq = os.path.join(exp, "data-quality.csv")
        if os.path.exists(dq):
            n += check_data_quality(case, dq)
        elif not os.path.exists(counters) and not os.path.exists(os.path.join(exp, "exit_code")):
            fail(case, "neither counters.csv, data-quality.csv nor exit_code")
        acc_path = os.path.join(exp, "accounting.json")
        if os.path.exists(acc_path):
            a = json.load(open(acc_path))
            if not (a["records"] == a["accepted"] + a["rejected"]
                    and a["accepted"] == a["dossiers"] + a["superseded"]
                    and a["dossiers"] == a["in_scope"] + a["not_received"]):
                fail(case, "accounting identities (SPEC §3.4)")
            tsv = os.path.join(exp, "rejects.tsv")
            if os.path.exists(tsv):
                lines = open(tsv, encoding="utf-8").read().splitlines()
                if len(lines) != a["rejected"]:
                    fail(case, "rejects.tsv lines != accounting.rejected")
                for ln in lines:
                    f, num, reason = ln.split("\t")
                    if not os.path.exists(os.path.join(d, f)) or int(num) < 1 or not reason:
                        fail(case, f"bad rejects.tsv line {ln!r}")
        print(f"ok   {case} ({n} rows)")


if __name__ == "__main__":
    main()
