#!/usr/bin/env python3
"""Deterministic sample data for motcua (SPEC §2.2, §2.5).

    python3 scripts/gen_sample.py --out SampleData --seed 1

Writes:
  <out>/catalogs/units.csv        a small province tree (tinh / so_nganh / huyen / xa)
  <out>/catalogs/procedures.csv   30 procedures over 9 sectors, tiers tinh/huyen/xa
  <out>/exports/hoso-YYYY-MM-DD.ndjson.gz
                                  one gzip per day, 2024-02-19 .. 2024-03-31: the dossiers
                                  created or changed that day, dvcqg-ndjson (SPEC §2.2)
Same seed -> same bytes (random.Random(seed) only, gzip mtime=0, no set/hash ordering).
Python 3.11, standard library only.

The dossiers are simulated from 2024-01-08 so that the first exports already carry older
dossiers (carried over into February). Records are the end-of-day snapshot of every
dossier that changed that day; a few dossiers also appear twice in one file (two syncs on
one day, the later line wins). A handful (< 0.5 %) of records are deliberately bad, see
BAD_* below, and one unit code (000.00.31.H56) is not in units.csv.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import random
import sys

PROVINCE = "H56"
SUFFIX = ".000.00.00." + PROVINCE
ROOT = "000.00.00.H56"
UNKNOWN_UNIT = "000.00.31.H56"  # Ban Quản lý Khu kinh tế — missing from units.csv on purpose

FIRST_SIM_DAY = dt.date(2024, 1, 8)
FIRST_FILE_DAY = dt.date(2024, 2, 19)
LAST_DAY = dt.date(2024, 3, 31)
# Tết Giáp Thìn 2024: public offices closed 08/02 .. 14/02.
HOLIDAYS = {dt.date(2024, 2, d) for d in range(8, 15)}

# --------------------------------------------------------------------------- catalogs

# (unit_code, unit_name, tier, parent_code)
UNITS = [
    (ROOT, "UBND tỉnh Thanh Hóa", "tinh", ""),
    ("000.00.03.H56", "Sở Kế hoạch và Đầu tư", "so_nganh", ROOT),
    ("000.00.06.H56", "Sở Tư pháp", "so_nganh", ROOT),
    ("000.00.13.H56", "Sở Văn hóa, Thể thao và Du lịch", "so_nganh", ROOT),
    ("000.00.22.H56", "UBND huyện Quảng Xương", "huyen", ROOT),
    ("000.01.22.H56", "UBND xã Quảng Bình", "xa", "000.00.22.H56"),
    ("000.02.22.H56", "UBND xã Quảng Định", "xa", "000.00.22.H56"),
    ("000.03.22.H56", "UBND thị trấn Tân Phong", "xa", "000.00.22.H56"),
    ("000.00.23.H56", "UBND huyện Hoằng Hóa", "huyen", ROOT),
    ("000.01.23.H56", "UBND xã Hoằng Đạo", "xa", "000.00.23.H56"),
    ("000.02.23.H56", "UBND thị trấn Bút Sơn", "xa", "000.00.23.H56"),
    ("000.00.24.H56", "UBND thị xã Nghi Sơn", "huyen", ROOT),
    ("000.01.24.H56", "UBND phường Hải Hòa", "xa", "000.00.24.H56"),
    ("000.02.24.H56", "UBND xã Tân Trường", "xa", "000.00.24.H56"),
    ("000.03.24.H56", "UBND phường Trúc Lâm", "xa", "000.00.24.H56"),
]
UNIT_BY_CODE = {u[0]: u for u in UNITS}

SECTORS = {
    "G09-TP01": "Hộ tịch",
    "G09-TP02": "Chứng thực",
    "G09-TP05": "Lý lịch tư pháp",
    "G05-KH01": "Thành lập và hoạt động doanh nghiệp",
    "G05-KH02": "Thành lập và hoạt động của hộ kinh doanh",
    "G12-TN01": "Đất đai",
    "G07-XD01": "Hoạt động xây dựng",
    "G10-LD03": "Bảo trợ xã hội",
    "G13-VH02": "Du lịch",
}

# (procedure_code, name, sector, [(tier, level)], unit_code or "", working days, fee VND)
PROCEDURES = [
    ("1.001193", "Thủ tục đăng ký khai sinh", "G09-TP01", [("xa", 4)], "", 0, 0),
    ("1.001022", "Thủ tục đăng ký khai tử", "G09-TP01", [("xa", 4)], "", 0, 0),
    ("1.000894", "Thủ tục đăng ký kết hôn", "G09-TP01", [("xa", 3)], "", 1, 0),
    ("1.004873", "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", "G09-TP01", [("xa", 4)], "", 3, 0),
    ("2.000635", "Thủ tục cấp bản sao trích lục hộ tịch", "G09-TP01", [("xa", 4), ("huyen", 4)], "", 0, 8000),
    ("1.004884", "Thủ tục đăng ký kết hôn có yếu tố nước ngoài", "G09-TP01", [("huyen", 3)], "", 15, 1500000),
    ("2.000815", "Thủ tục chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp", "G09-TP02", [("huyen", 3), ("xa", 2)], "", 0, 2000),
    ("2.000884", "Thủ tục chứng thực chữ ký trong các giấy tờ, văn bản", "G09-TP02", [("huyen", 2), ("xa", 2)], "", 0, 10000),
    ("2.001035", "Thủ tục chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản", "G09-TP02", [("xa", 2)], "", 2, 50000),
    ("2.000488", "Thủ tục cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam", "G09-TP05", [("tinh", 4)], "000.00.06.H56", 10, 200000),
    ("2.000505", "Thủ tục cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng", "G09-TP05", [("tinh", 3)], "000.00.06.H56", 10, 0),
    ("1.001612", "Đăng ký thành lập doanh nghiệp tư nhân", "G05-KH01", [("tinh", 4)], "", 3, 50000),
    ("2.001610", "Đăng ký thành lập công ty TNHH một thành viên", "G05-KH01", [("tinh", 4)], "", 3, 50000),
    ("1.005386", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", "G05-KH01", [("tinh", 4)], "", 3, 50000),
    ("2.000575", "Đăng ký thành lập hộ kinh doanh", "G05-KH02", [("huyen", 4)], "", 3, 100000),
    ("2.000720", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "G05-KH02", [("huyen", 3)], "", 3, 100000),
    ("1.004227", "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất lần đầu", "G12-TN01", [("huyen", 2), ("tinh", 2)], "", 15, 100000),
    ("1.003003", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "G12-TN01", [("huyen", 3), ("tinh", 3)], "", 10, 50000),
    ("1.002255", "Thủ tục giao đất, cho thuê đất không thông qua đấu giá quyền sử dụng đất", "G12-TN01", [("tinh", 2)], "", 20, 0),
    ("1.000798", "Thủ tục hòa giải tranh chấp đất đai", "G12-TN01", [("xa", 2)], "", 10, 0),
    ("1.009972", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", "G07-XD01", [("huyen", 3)], "", 15, 75000),
    ("1.009974", "Cấp giấy phép xây dựng sửa chữa, cải tạo đối với công trình", "G07-XD01", [("huyen", 3), ("tinh", 3)], "", 15, 150000),
    ("1.009794", "Thẩm định Báo cáo nghiên cứu khả thi đầu tư xây dựng", "G07-XD01", [("tinh", 2)], "", 20, 0),
    ("1.001776", "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng, hỗ trợ kinh phí chăm sóc, nuôi dưỡng hàng tháng", "G10-LD03", [("xa", 3), ("huyen", 3)], "", 7, 0),
    ("1.001758", "Chi trả trợ cấp xã hội hàng tháng khi đối tượng thay đổi nơi cư trú trong cùng địa bàn quận, huyện", "G10-LD03", [("huyen", 3)], "", 5, 0),
    ("2.000286", "Đăng ký thành lập cơ sở trợ giúp xã hội ngoài công lập thuộc thẩm quyền của Phòng Lao động - Thương binh và Xã hội", "G10-LD03", [("huyen", 2)], "", 10, 0),
    ("1.004623", "Công nhận hạng cơ sở lưu trú du lịch: hạng 1 sao, 2 sao, 3 sao", "G13-VH02", [("tinh", 3)], "", 10, 1500000),
    ("1.001432", "Cấp Giấy phép kinh doanh dịch vụ lữ hành nội địa", "G13-VH02", [("tinh", 4)], "", 7, 3000000),
    ("1.004628", "Cấp thẻ hướng dẫn viên du lịch tại điểm", "G13-VH02", [("tinh", 4)], "", 10, 200000),
    ("1.001009", "Thủ tục cấp Giấy chứng nhận đủ điều kiện kinh doanh dịch vụ lưu trú", "G13-VH02", [("tinh", 3)], "", 5, 0),
]
PROC_BY_CODE = {p[0]: p for p in PROCEDURES}
# A procedure some dossiers carry that is in no catalog (no MaLinhVuc either -> sector "(none)").
UNCATALOGUED = ("1.012345", "Thủ tục thí điểm chưa công bố", "", 5, 0)

# Which sectors each unit really handles (realism; the catalog is per tier, SPEC §2.5).
DEPT_SECTORS = {
    ROOT: ["G12-TN01", "G07-XD01"],
    "000.00.03.H56": ["G05-KH01", "G07-XD01"],
    "000.00.06.H56": ["G09-TP05"],
    "000.00.13.H56": ["G13-VH02"],
    UNKNOWN_UNIT: ["G07-XD01"],
}
# Relative daily intake per unit (working day).
UNIT_WEIGHT = {
    ROOT: 0.6, "000.00.03.H56": 3.0, "000.00.06.H56": 2.5, "000.00.13.H56": 1.0,
    "000.00.22.H56": 4.5, "000.00.23.H56": 4.0, "000.00.24.H56": 5.0,
    "000.01.22.H56": 2.5, "000.02.22.H56": 2.0, "000.03.22.H56": 3.0,
    "000.01.23.H56": 2.0, "000.02.23.H56": 3.0,
    "000.01.24.H56": 3.5, "000.02.24.H56": 2.0, "000.03.24.H56": 3.0,
    UNKNOWN_UNIT: 0.5,
}

HO = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
      "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Mai", "Trịnh", "Lương", "Đinh"]
DEM = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Quốc", "Xuân", "Thu", "Hoài"]
TEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Hương",
       "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phương", "Quân", "Sơn", "Tâm",
       "Thảo", "Thủy", "Trang", "Tuấn", "Việt", "Yến", "Đạt", "Ánh"]
THON = ["Thôn 1", "Thôn 2", "Thôn 3", "Thôn Đông", "Thôn Tây", "Khu phố 4", "Tiểu khu Bắc Sơn",
        "Xóm Mới", "Thôn Trung Hòa", "Khu phố Hải Thượng"]
COMPANY = ["Công ty TNHH Thương mại Hải Tiến", "Công ty Cổ phần Xây dựng Lam Sơn",
           "Công ty TNHH Du lịch Sầm Sơn Xanh", "Doanh nghiệp tư nhân Minh Phát",
           "Công ty TNHH MTV Vận tải Nghi Sơn", "Hợp tác xã Nông nghiệp Hoằng Đạo"]
TAI_LIEU = ["Tờ khai", "Bản sao Căn cước công dân", "Giấy ủy quyền", "Bản vẽ thiết kế",
            "Giấy chứng nhận quyền sử dụng đất", "Hợp đồng chuyển nhượng", "Giấy chứng sinh",
            "Điều lệ công ty", "Danh sách thành viên", "Văn bản đề nghị"]


def catalog_tier(unit_tier: str) -> str:
    return "tinh" if unit_tier in ("tinh", "so_nganh", "unknown") else unit_tier


# --------------------------------------------------------------------------- calendar

def is_workday(d: dt.date) -> bool:
    return d.weekday() < 5 and d not in HOLIDAYS


def add_workdays(d: dt.date, n: int) -> dt.date:
    while n > 0:
        d += dt.timedelta(days=1)
        if is_workday(d):
            n -= 1
    return d


def next_workday(d: dt.date) -> dt.date:
    d += dt.timedelta(days=1)
    while not is_workday(d):
        d += dt.timedelta(days=1)
    return d


def office_time(rng: random.Random, d: dt.date, earliest: dt.datetime | None = None) -> dt.datetime:
    """A moment in office hours (07:30-11:30, 13:30-17:00) of day d, not before `earliest`."""
    for _ in range(20):
        if rng.random() < 0.55:
            minutes = rng.randint(7 * 60 + 30, 11 * 60 + 30)
        else:
            minutes = rng.randint(13 * 60 + 30, 17 * 60)
        t = dt.datetime(d.year, d.month, d.day) + dt.timedelta(minutes=minutes, seconds=rng.randint(0, 59))
        if earliest is None or t > earliest:
            return t
    base = earliest if earliest is not None else dt.datetime(d.year, d.month, d.day, 7, 30)
    return base + dt.timedelta(minutes=rng.randint(1, 30))


# --------------------------------------------------------------------------- dates on the wire

LOCAL_OFFSET = dt.timedelta(hours=7)


def fmt_date(rng: random.Random, t: dt.datetime | None, force: str | None = None):
    """SPEC §2.4 forms. Mostly the portal's yyyyMMddHHmmss, sometimes another form."""
    if t is None:
        return None
    r = rng.random() if force is None else -1.0
    form = force
    if form is None:
        if r < 0.955:
            form = "portal"
        elif r < 0.970:
            form = "iso_z"
        elif r < 0.980:
            form = "iso_off"
        elif r < 0.988:
            form = "sql"
        elif r < 0.995:
            form = "vn_dt"
        else:
            form = "vn_d"
    if form == "portal":
        return t.strftime("%Y%m%d%H%M%S")
    if form == "iso_z":  # UTC: the local date may be the next day of the one written
        return (t - LOCAL_OFFSET).strftime("%Y-%m-%dT%H:%M:%SZ")
    if form == "iso_off":
        return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03d+07:00" % rng.randint(0, 999)
    if form == "sql":
        return t.strftime("%Y-%m-%d %H:%M:%S")
    if form == "vn_dt":
        return t.strftime("%d/%m/%Y %H:%M:%S")
    return t.strftime("%d/%m/%Y")


# --------------------------------------------------------------------------- simulation

class Dossier:
    __slots__ = ("id", "unit", "proc", "tier", "channel", "submitted", "events", "static",
                 "fee", "digit", "paid", "ret_channel", "muc_do", "form", "iso_z")

    def __init__(self):
        self.events = []  # (time, seq, state-dict)


def pick_weighted(rng, items, weights):
    x = rng.random() * sum(weights)
    for it, w in zip(items, weights):
        x -= w
        if x < 0:
            return it
    return items[-1]


def eligible_procedures(unit_code: str, unit_tier: str):
    ctier = catalog_tier(unit_tier)
    out = []
    for p in PROCEDURES:
        for tier, level in p[3]:
            if tier != ctier:
                continue
            if p[4] and p[4] != unit_code:
                continue
            out.append((p, level))
    if unit_code in DEPT_SECTORS:
        out = [x for x in out if x[0][2] in DEPT_SECTORS[unit_code]]
    return out


def person(rng):
    return "%s %s %s" % (rng.choice(HO), rng.choice(DEM), rng.choice(TEN))


def simulate(rng: random.Random):
    units = [u[0] for u in UNITS] + [UNKNOWN_UNIT]
    tiers = {u[0]: u[2] for u in UNITS}
    tiers[UNKNOWN_UNIT] = "so_nganh"
    elig = {u: eligible_procedures(u, tiers[u]) for u in units}
    seq_by_unit_day = {}
    dossiers = []

    day = FIRST_SIM_DAY
    while day <= LAST_DAY:
        work = is_workday(day)
        for u in units:
            w = UNIT_WEIGHT[u]
            # intake: about 1.35 x weight on a working day; only online submissions otherwise
            mean = w * (1.35 if work else 0.18)
            if day.month == 3:
                mean *= 1.08
            n = 0
            # Poisson by inversion (deterministic with rng)
            lam_l, k, p = pow(2.718281828459045, -mean), 0, 1.0
            while True:
                p *= rng.random()
                if p <= lam_l:
                    break
                k += 1
            n = k
            for _ in range(n):
                d = new_dossier(rng, u, tiers[u], elig[u], day, work, seq_by_unit_day)
                if d is not None:
                    dossiers.append(d)
        day += dt.timedelta(days=1)
    return dossiers


def new_dossier(rng, unit, unit_tier, elig, day, work, seqs, force_sub=None):
    """One dossier's life as a list of events; force_sub pins an online, auto-received one."""
    (proc, level) = elig[rng.randrange(len(elig))]
    d = Dossier()
    d.unit = unit
    d.tier = unit_tier
    if rng.random() < 0.004 and force_sub is None:
        d.proc = UNCATALOGUED
        level = 3
        days, fee = UNCATALOGUED[3], UNCATALOGUED[4]
    else:
        d.proc = proc
        days, fee = proc[5], proc[6]
    # channel by level
    r = rng.random() if force_sub is None else 0.0
    if level == 4:
        channel = 2 if r < 0.62 else (3 if r < 0.66 else 1)
    elif level == 3:
        channel = 2 if r < 0.38 else (3 if r < 0.43 else 1)
    else:
        channel = 3 if r < 0.05 else 1
    if not work:
        if channel != 2:
            return None  # offices are closed; only online submissions arrive
    d.channel = channel
    d.muc_do = level if rng.random() > 0.03 else max(2, level - 1)
    d.fee = fee
    d.digit = 1 if rng.random() < (0.55 if channel == 2 else 0.25) else 0
    d.ret_channel = 1 if rng.random() < (0.12 if channel == 3 else 0.05) else 0
    d.form = {}
    d.iso_z = False

    # submission / reception times
    if force_sub is not None:
        sub = force_sub
    elif channel == 2:
        hour_r = rng.random()
        if hour_r < 0.12:      # night submissions
            sub = dt.datetime(day.year, day.month, day.day, rng.choice([0, 1, 5, 6, 21, 22, 23]), rng.randint(0, 59), rng.randint(0, 59))
        else:
            sub = dt.datetime(day.year, day.month, day.day, rng.randint(7, 20), rng.randint(0, 59), rng.randint(0, 59))
    else:
        sub = office_time(rng, day)
    d.submitted = sub
    key = (unit, sub.date())
    seqs[key] = seqs.get(key, 0) + 1
    d.id = "%s-%s-%04d" % (unit, sub.strftime("%y%m%d"), seqs[key])

    owner = COMPANY[rng.randrange(len(COMPANY))] if d.proc[2] in ("G05-KH01", "G13-VH02", "G07-XD01") and rng.random() < 0.6 else person(rng)
    unit_name = UNIT_BY_CODE[unit][1] if unit in UNIT_BY_CODE else "Ban Quản lý Khu kinh tế Nghi Sơn và các Khu công nghiệp"
    d.static = {
        "owner": owner,
        "address": "%s, %s, tỉnh Thanh Hóa" % (rng.choice(THON), unit_name.replace("UBND ", "")),
        "phone": "09%08d" % rng.randint(0, 99999999),
        "cccd": "038%09d" % rng.randint(0, 999999999),
        "files": [rng.choice(TAI_LIEU) for _ in range(rng.randint(1, 3))],
        "unit_name": unit_name,
        "subject": "%s - %s" % (d.proc[1][:60], owner),
    }
    d.events = []
    st = {"status": None, "recv": None, "due": None, "end": None, "ret": None, "paid": 0, "eresult": None}

    def ev(t, **changes):
        st.update(changes)
        d.events.append((t, len(d.events), dict(st)))

    if channel == 2:
        ev(sub, status=1)
        r = rng.random() if force_sub is None else 1.0
        if r < 0.03:
            tden = office_time(rng, next_workday(sub.date()) if rng.random() < 0.6 else sub.date() if is_workday(sub.date()) else next_workday(sub.date()), sub)
            ev(tden, status=3)
            return d
        if r < 0.045:
            return d  # never received (stays status 1)
        if force_sub is not None or (level == 4 and rng.random() < 0.18):
            trecv = sub + dt.timedelta(minutes=rng.randint(1, 20))  # automatic reception, any hour
        else:
            rd = sub.date() if (is_workday(sub.date()) and sub.hour < 16 and rng.random() < 0.5) else next_workday(sub.date())
            if rng.random() < 0.25:
                rd = next_workday(rd)
            trecv = office_time(rng, rd, sub)
    else:
        trecv = sub
    due_day = add_workdays(trecv.date(), days) if days > 0 else trecv.date()
    due = dt.datetime(due_day.year, due_day.month, due_day.day, 16 if days > 0 else 17, 30 if days > 0 else 0)
    ev(trecv, status=2, recv=trecv, due=due)

    if days == 0:
        # same-day procedures (chứng thực, khai sinh...): done within the hour or two
        t9 = trecv + dt.timedelta(minutes=rng.randint(10, 150))
        if t9.date() != trecv.date():
            t9 = trecv.replace(hour=23, minute=50)
        ev(t9, status=9, end=t9, eresult=rng.random() < 0.3)
        if rng.random() < 0.9:
            t10 = t9 + dt.timedelta(minutes=rng.randint(5, 60))
            if t10.date() != t9.date() or rng.random() < 0.1:
                t10 = office_time(rng, next_workday(t9.date()), t9)
            ev(t10, status=10, ret=t10)
        return d

    t = office_time(rng, trecv.date() if rng.random() < 0.6 else next_workday(trecv.date()), trecv)
    ev(t, status=4)
    r = rng.random()
    if r < 0.09:  # supplement request, then the due date is re-issued
        t5 = office_time(rng, add_workdays(t.date(), rng.randint(0, max(1, days // 2))), t)
        ev(t5, status=5)
        if rng.random() < 0.1:
            return d  # citizen never comes back: stays 5 (tt01 keeps it pending within)
        gap = rng.randint(1, 6)
        t4 = office_time(rng, add_workdays(t5.date(), gap))
        nd = add_workdays(st["due"].date(), gap)
        ev(t4, status=4, due=st["due"].replace(year=nd.year, month=nd.month, day=nd.day))
        t = t4
    elif r < 0.13 and fee > 0:  # financial obligation
        t6 = office_time(rng, add_workdays(t.date(), rng.randint(0, 2)), t)
        ev(t6, status=6)
        t4 = office_time(rng, add_workdays(t6.date(), rng.randint(1, 3)))
        ev(t4, status=4, paid=(rng.choice([1, 2]) if channel == 2 and rng.random() < 0.7 else 0))
        t = t4
    if channel == 2 and fee > 0 and st["paid"] == 0 and rng.random() < 0.55:
        st["paid"] = rng.choice([1, 1, 2, 3])

    r = rng.random()
    if r < 0.03:  # withdrawn
        t7 = office_time(rng, add_workdays(t.date(), rng.randint(0, days)), t)
        ev(t7, status=7, end=t7)
        return d
    if r < 0.045:  # stopped
        t8 = office_time(rng, add_workdays(t.date(), rng.randint(1, days)), t)
        ev(t8, status=8, end=t8)
        return d
    # resolution relative to the due date
    due_d = st["due"].date()
    r = rng.random()
    if r < 0.55:
        end_d = due_d
        for _ in range(rng.randint(1, max(1, days // 2))):
            prev = end_d - dt.timedelta(days=1)
            while not is_workday(prev):
                prev -= dt.timedelta(days=1)
            end_d = prev
    elif r < 0.91:
        end_d = due_d
    else:
        end_d = add_workdays(due_d, rng.randint(1, 6))
    t9 = office_time(rng, max(end_d, t.date()), t)
    if rng.random() < 0.02:
        # the document-signing system sometimes stamps the end late at night
        t9 = dt.datetime(t9.year, t9.month, t9.day, 23, rng.randint(0, 59), rng.randint(0, 59))
    ev(t9, status=9, end=t9, eresult=rng.random() < 0.35)
    if rng.random() < 0.85:
        t10 = office_time(rng, add_workdays(t9.date(), rng.choice([0, 0, 1, 1, 2, 3])), t9)
        ev(t10, status=10, ret=t10)
    return d


# --------------------------------------------------------------------------- records

STATUS_EN = {1: "receiving", 2: "new", 3: "denied", 4: "processing", 5: "waiting", 6: "paying",
             7: "cancelled", 8: "unresolved", 9: "releasing", 10: "done"}


def make_record(rng: random.Random, d: Dossier, st: dict, when: dt.datetime) -> dict:
    p = d.proc
    sector = p[2]
    proc_code = p[0]
    rec = {}
    rec["MaHoSo"] = d.id
    # MaTTHC: sometimes the locally published copy with the province suffix
    r = rng.random()
    if r < 0.004:
        pass  # no MaTTHC at all
    else:
        rec["MaTTHC"] = proc_code + SUFFIX if r < 0.12 else proc_code
    rec["TenTTHC"] = p[1]
    # MaLinhVuc: sometimes missing, the catalog then supplies it (SPEC §5.3)
    r = rng.random()
    if sector and r > 0.15:
        rec["MaLinhVuc"] = sector
        rec["TenLinhVuc"] = SECTORS[sector]
    elif r < 0.05:
        rec["MaLinhVuc"] = ""
    # KenhThucHien: int, sometimes a string, direct sometimes missing (= 1)
    ch = d.channel
    r = rng.random()
    if ch == 1 and r < 0.05:
        pass
    elif ch == 1 and r < 0.07:
        rec["KenhThucHien"] = None
    elif r < 0.15:
        rec["KenhThucHien"] = str(ch)
    else:
        rec["KenhThucHien"] = ch
    rec["ChuHoSo"] = d.static["owner"]
    rec["LoaiDoiTuong"] = 2 if d.static["owner"].startswith(("Công ty", "Doanh", "Hợp")) else 1
    rec["SoGiayToChuHoSo"] = d.static["cccd"]
    rec["DiaChi"] = d.static["address"]
    rec["SoDienThoai"] = d.static["phone"]
    rec["Email"] = ""
    rec["TrichYeuHoSo"] = d.static["subject"]
    # MaDonVi: a few records leave it out (derived from the MaHoSo prefix, SPEC §2.2)
    r = rng.random()
    if r < 0.004:
        pass
    elif r < 0.008:
        rec["MaDonVi"] = ""
    elif r < 0.010:
        rec["MaDonVi"] = None
    else:
        rec["MaDonVi"] = d.unit
    rec["DonViXuLy"] = d.static["unit_name"]
    rec["MucDo"] = d.muc_do if rng.random() < 0.9 else str(d.muc_do)
    fz = "iso_z" if d.iso_z else None
    rec["NgayNopHoSo"] = fmt_date(rng, d.submitted, fz)
    status = st["status"]
    if status is not None and rng.random() < 0.006:
        rec["TrangThaiHoSo"] = STATUS_EN[status].capitalize() if rng.random() < 0.5 else STATUS_EN[status]
    elif rng.random() < 0.05:
        rec["TrangThaiHoSo"] = str(status)
    else:
        rec["TrangThaiHoSo"] = status
    rec["NgayTiepNhan"] = fmt_date(rng, st["recv"], fz) if st["recv"] else ""
    rec["NgayHenTra"] = fmt_date(rng, st["due"], fz) if st["due"] else ""
    rec["NgayKetThucXuLy"] = fmt_date(rng, st["end"], fz) if st["end"] else None
    rec["NgayTra"] = fmt_date(rng, st["ret"], fz) if st["ret"] else ""
    rec["HinhThuc"] = d.ret_channel
    rec["NoiNopHoSo"] = "2"
    rec["TaiKhoanDuocXacThucVoiVNeID"] = 1 if d.channel == 2 else 0
    rec["DanhSachTepDinhKem"] = [
        {"TepDinhKemId": "%s-%d" % (d.id, i + 1), "TenTepDinhKem": name + ".pdf", "IsDeleted": False,
         "MaThanhPhanHoSo": "TP%02d" % (i + 1), "DuongDanTaiTepTin": "/upload/%s/%d.pdf" % (d.id, i + 1),
         "DuocSoHoa": d.digit, "DuocTaiSuDung": 0}
        for i, name in enumerate(d.static["files"])
    ]
    if d.fee > 0:
        form = rng.random()
        gia = d.fee if form < 0.7 else (str(d.fee) if form < 0.9 else "%d.00" % d.fee)
        fees = [{"TenPhiLePhi": "Lệ phí", "MaPhiLePhi": "LP01", "HinhThucThu": 1, "Gia": gia, "LoaiPhiLePhi": 1}]
        if rng.random() < 0.1:
            fees.insert(0, {"TenPhiLePhi": "Phí thẩm định (miễn)", "MaPhiLePhi": "P00", "HinhThucThu": 1, "Gia": 0, "LoaiPhiLePhi": 2})
        rec["DanhSachLePhi"] = fees
    else:
        r = rng.random()
        if r < 0.5:
            rec["DanhSachLePhi"] = []
        elif r < 0.7:
            rec["DanhSachLePhi"] = [{"TenPhiLePhi": "Miễn lệ phí", "Gia": "0", "LoaiPhiLePhi": 1}]
        # else absent
    if d.fee > 0 or rng.random() < 0.5:
        rec["DuocThanhToanTrucTuyen"] = st["paid"] if d.fee > 0 else 0
    r = rng.random()
    rec["HoSoCoThanhPhanSoHoa"] = str(d.digit) if r < 0.05 else d.digit
    if st["eresult"] is not None and status in (9, 10):
        if st["eresult"]:
            rec["DanhSachGiayToKetQua"] = [{"TenGiayTo": "Kết quả giải quyết", "MaThanhPhanHoSo": "KQ01",
                                            "GiayToId": d.id + "-KQ",
                                            "DuongDanTepTinKetQua": "https://dichvucong.thanhhoa.gov.vn/ketqua/%s.pdf" % d.id,
                                            "MaGiayToKetQua": "KQ-" + d.id}]
        else:
            rec["DanhSachGiayToKetQua"] = [] if rng.random() < 0.6 else [
                {"TenGiayTo": "Kết quả giải quyết (bản giấy)", "GiayToId": d.id + "-KQ", "DuongDanTepTinKetQua": ""}]
    rec["GhiChu"] = ""
    return rec


def build_files(rng: random.Random, dossiers):
    """day -> list of (time, seq, dossier, state) lines, chronological."""
    days = {}
    for d in dossiers:
        # group the dossier's events by local day, keep the last state of the day
        by_day = {}
        for (t, seq, st) in d.events:
            by_day.setdefault(t.date(), []).append((t, seq, st))
        for day, evs in by_day.items():
            if day < FIRST_FILE_DAY or day > LAST_DAY:
                continue
            lines = [evs[-1]]
            if len(evs) > 1 and rng.random() < 0.12:
                lines = [evs[-2], evs[-1]]  # two syncs on one day: both lines, the later wins
            for (t, seq, st) in lines:
                days.setdefault(day, []).append((t, seq, d, st))
    for day in days:
        days[day].sort(key=lambda x: (x[0], x[2].id, x[1]))
    return days


# Deliberately bad records (each a corrupted copy of a real update, so the earlier valid
# record of that dossier must stay the dossier; SPEC §3.2, §3.3).
BAD_KINDS = [
    "status_11", "status_text", "status_zero", "missing_mahoso_absent", "missing_mahoso_empty",
    "ended_before_received", "ended_before_received", "bad_date", "truncated",
]


def corrupt(rng, rec, kind):
    rec = dict(rec)
    if kind == "status_11":
        rec["TrangThaiHoSo"] = 11
    elif kind == "status_text":
        rec["TrangThaiHoSo"] = "Đang xử lý"  # a label, not a code: invalid in NDJSON
    elif kind == "status_zero":
        rec["TrangThaiHoSo"] = "0"
    elif kind == "missing_mahoso_absent":
        del rec["MaHoSo"]
    elif kind == "missing_mahoso_empty":
        rec["MaHoSo"] = ""
    elif kind == "ended_before_received":
        rec["TrangThaiHoSo"] = 9
        rec["NgayKetThucXuLy"] = "20240105100000"  # before any reception in the window
    elif kind == "bad_date":
        rec["NgayHenTra"] = "31/02/2024"
    return rec


def dumps(rec, ascii_only):
    return json.dumps(rec, ensure_ascii=ascii_only, separators=(",", ":"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="SampleData")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)

    cat_dir = os.path.join(args.out, "catalogs")
    exp_dir = os.path.join(args.out, "exports")
    os.makedirs(cat_dir, exist_ok=True)
    os.makedirs(exp_dir, exist_ok=True)
    for name in sorted(os.listdir(exp_dir)):
        if name.startswith("hoso-") and name.endswith(".ndjson.gz"):
            os.remove(os.path.join(exp_dir, name))

    # catalogs ---------------------------------------------------------------
    with open(os.path.join(cat_dir, "units.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("unit_code,unit_name,tier,parent_code\n")
        for code, name, tier, parent in UNITS:
            f.write("%s,%s,%s,%s\n" % (code, csv_cell(name), tier, parent))
    with open(os.path.join(cat_dir, "procedures.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("procedure_code,procedure_name,sector_code,sector_name,tier,service_level,unit_code\n")
        for code, name, sector, tiers, unit, _days, _fee in PROCEDURES:
            for tier, level in tiers:
                f.write("%s,%s,%s,%s,%s,%d,%s\n" % (code, csv_cell(name), sector, csv_cell(SECTORS[sector]), tier, level, unit))

    # dossiers ---------------------------------------------------------------
    dossiers = simulate(rng)
    # Two dossiers received automatically just after midnight on 1 March by the portal's
    # auto-reception service, which writes ISO dates in UTC: the raw text says 29/02 but the
    # local (+07:00) date is 1 March (SPEC §2.4). Night auto-receptions elsewhere do the same.
    seqs = {}
    for d in dossiers:
        k = (d.unit, d.submitted.date())
        seqs[k] = max(seqs.get(k, 0), int(d.id[-4:]))
    for unit, when in (("000.01.24.H56", dt.datetime(2024, 3, 1, 0, 41, 7)),
                       ("000.02.23.H56", dt.datetime(2024, 3, 1, 6, 12, 55))):
        elig = [x for x in eligible_procedures(unit, "xa") if x[1] == 4 and x[0][5] > 0]
        d = new_dossier(rng, unit, "xa", elig, when.date(), True, seqs, force_sub=when)
        dossiers.append(d)
    for d in dossiers:
        if d.channel == 2 and len(d.events) > 1 and d.events[1][2]["status"] == 2:
            recv = d.events[1][2]["recv"]
            if recv.hour < 7 and (recv - d.submitted) < dt.timedelta(minutes=30):
                d.iso_z = True
    days = build_files(rng, dossiers)

    # one file per day, even a day without changes (an empty gzip member)
    all_days = []
    day = FIRST_FILE_DAY
    while day <= LAST_DAY:
        all_days.append(day)
        days.setdefault(day, [])
        day += dt.timedelta(days=1)
    # pick a few (file, line) positions to corrupt, deterministic
    bad_at = {}
    for kind in BAD_KINDS:
        while True:
            day = all_days[rng.randrange(len(all_days))]
            if not days[day]:
                continue
            if kind == "truncated":
                idx = len(days[day]) - 1  # the file's last line, cut, without LF
            else:
                idx = rng.randrange(len(days[day]))
            t, seq, d, st = days[day][idx]
            if (day, idx) in bad_at or st["status"] in (None, 1, 3) or st["recv"] is None:
                continue
            bad_at[(day, idx)] = kind
            break

    n_records = 0
    for di, day in enumerate(all_days):
        ascii_only = (di % 9 == 4)  # one exporter in nine escapes non-ASCII (\u1ea1)
        out_lines = []
        for idx, (t, seq, d, st) in enumerate(days[day]):
            rec = make_record(rng, d, st, t)
            kind = bad_at.get((day, idx))
            if kind:
                rec = corrupt(rng, rec, kind)
            line = dumps(rec, ascii_only)
            if kind == "truncated":
                out_lines.append(line[: len(line) * 3 // 5])
            else:
                out_lines.append(line + "\n")
            n_records += 1
        data = "".join(out_lines).encode("utf-8")
        path = os.path.join(exp_dir, "hoso-%s.ndjson.gz" % day.isoformat())
        with open(path, "wb") as f:
            if day == dt.date(2024, 3, 15):
                # written by a parallel exporter: two gzip members (SPEC §2.1)
                cut = data.index(b"\n", len(data) // 2) + 1
                f.write(gzip.compress(data[:cut], compresslevel=6, mtime=0))
                f.write(gzip.compress(data[cut:], compresslevel=6, mtime=0))
            else:
                f.write(gzip.compress(data, compresslevel=6, mtime=0))
    print("wrote %d files, %d records, %d dossiers simulated, %d deliberately bad"
          % (len(all_days), n_records, len(dossiers), len(bad_at)), file=sys.stderr)


def csv_cell(s: str) -> str:
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


if __name__ == "__main__":
    main()
