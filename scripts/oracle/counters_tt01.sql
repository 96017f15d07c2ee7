-- Independent DuckDB oracle for motcua counters (SPEC §3.2, §3.3, §5.1, §5.2, §5.3).
-- Despite the file name it implements both rule sets; `params.rules` picks tt01 or qd766.
--
-- Run by scripts/oracle/counters.py, which creates beforehand:
--   raw_lines(fi INTEGER, line VARCHAR, rest VARCHAR)
--        one row per non-blank physical line, in input order (file order, then line order);
--        `rest` is non-NULL when the line held a NUL byte (then it is malformed).
--   units(unit_code, unit_name, tier, parent_code)          units.csv (may be empty)
--   procs(ord, procedure_code, sector_code, tier, unit_code) procedures.csv, suffix stripped
--   periods(label, p_from DATE, p_to DATE, partial BOOLEAN)
--   params(tz_min INTEGER, rules VARCHAR, breakdown BOOLEAN)
-- and finally reads the tables `rejects_by_reason`, `accounting` and `out_rows`.
--
-- What it does NOT cover (see also counters.py): line_too_long, invalid_utf8 (DuckDB's CSV
-- reader drops such lines: they are never records here, so they cannot replace a dossier,
-- but they are missing from the reject counts); NaN/Infinity and trailing commas (DuckDB's
-- JSON reader accepts them); nesting deeper than 64; repeated keys (DuckDB keeps the first
-- occurrence, SPEC says the last); unpaired surrogates (DuckDB rejects the line, SPEC
-- replaces with U+FFFD); a lone CR inside a line (DuckDB splits the line there); a line
-- ending in a NUL byte. The csv input format is not supported.

-- ---------------------------------------------------------------- §2.4 dates -> local date
-- Returns the local calendar date in the run's timezone (tz minutes east of UTC), or NULL
-- when s is not one of the accepted forms or names an impossible date/time.
CREATE OR REPLACE TEMP MACRO iso_off_min(s) AS (
    CASE
        WHEN s[-1:] = 'Z' THEN 0
        ELSE (CASE WHEN s[-6:-6] = '-' THEN -1 ELSE 1 END)
             * (CAST(s[-5:-4] AS INTEGER) * 60 + CAST(s[-2:] AS INTEGER))
    END
);
CREATE OR REPLACE TEMP MACRO local_date(s, tz) AS (
    CASE
        WHEN s IS NULL THEN NULL
        WHEN regexp_full_match(s, '[0-9]{14}')
            THEN CAST(try_strptime(s, '%Y%m%d%H%M%S') AS DATE)
        WHEN regexp_full_match(s, '[0-9]{8}')
            THEN CAST(try_strptime(s, '%Y%m%d') AS DATE)
        WHEN regexp_full_match(s, '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?')
            THEN CAST(try_strptime(s[1:19], '%Y-%m-%dT%H:%M:%S') AS DATE)
        WHEN regexp_full_match(s, '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})')
            THEN CASE
                WHEN s[-1:] = 'Z' OR (CAST(s[-5:-4] AS INTEGER) <= 14 AND CAST(s[-2:] AS INTEGER) <= 59)
                THEN CAST(try_strptime(s[1:19], '%Y-%m-%dT%H:%M:%S')
                          + to_minutes(CAST(tz - iso_off_min(s) AS BIGINT)) AS DATE)
            END
        WHEN regexp_full_match(s, '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}')
            THEN CAST(try_strptime(s, '%Y-%m-%d %H:%M:%S') AS DATE)
        WHEN regexp_full_match(s, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
            THEN CAST(try_strptime(s, '%Y-%m-%d') AS DATE)
        WHEN regexp_full_match(s, '[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}')
            THEN CAST(try_strptime(s, '%d/%m/%Y %H:%M:%S') AS DATE)
        WHEN regexp_full_match(s, '[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}')
            THEN CAST(try_strptime(s, '%d/%m/%Y %H:%M') AS DATE)
        WHEN regexp_full_match(s, '[0-9]{2}/[0-9]{2}/[0-9]{4}')
            THEN CAST(try_strptime(s, '%d/%m/%Y') AS DATE)
    END
);

-- ---------------------------------------------------------------- §2.2 field values
-- A JSON fragment (from from_json's JSON type; JSON null is already SQL NULL) of a text
-- field: its unescaped string, '' meaning absent (NULL). Non-strings are handled by is_str.
CREATE OR REPLACE TEMP MACRO is_str(f) AS (f IS NOT NULL AND f[1] = '"');
CREATE OR REPLACE TEMP MACRO str_val(f) AS (
    CASE WHEN is_str(f) THEN nullif(CASE WHEN contains(f, '\') THEN f ->> '$' ELSE f[2:-2] END, '') END
);
-- present: not NULL and not ""
CREATE OR REPLACE TEMP MACRO present(f) AS (f IS NOT NULL AND f <> '""');
-- A code field read as VARCHAR (integer -> its digits, string -> its text, float -> '2.0',
-- bool -> 'true'): the integer when it is ASCII digits of a small value, else NULL.
CREATE OR REPLACE TEMP MACRO code_val(v) AS (
    CASE WHEN regexp_full_match(v, '[0-9]+') AND length(ltrim(v, '0')) <= 3
         THEN CAST(v AS INTEGER) END
);
CREATE OR REPLACE TEMP MACRO status_val(v) AS (
    CASE
        WHEN regexp_full_match(v, '[0-9]+') THEN
            CASE WHEN length(ltrim(v, '0')) <= 3 AND CAST(v AS INTEGER) BETWEEN 1 AND 10 THEN CAST(v AS INTEGER) END
        WHEN regexp_full_match(v, '[A-Za-z]+') THEN
            CASE lower(v)
                WHEN 'receiving' THEN 1 WHEN 'new' THEN 2 WHEN 'denied' THEN 3
                WHEN 'processing' THEN 4 WHEN 'waiting' THEN 5 WHEN 'paying' THEN 6
                WHEN 'cancelled' THEN 7 WHEN 'unresolved' THEN 8 WHEN 'releasing' THEN 9
                WHEN 'done' THEN 10
            END
    END
);
-- `Gia` of DanhSachLePhi (a JSON fragment): > 0 as a number or as a numeric string.
CREATE OR REPLACE TEMP MACRO gia_positive(g) AS (
    CASE
        WHEN g IS NULL THEN false
        WHEN g[1] = '"' THEN coalesce(
            regexp_full_match(trim(g ->> '$', E' \t\r\n'), '[+-]?[0-9]+(\.[0-9]+)?')
            AND TRY_CAST(trim(g ->> '$', E' \t\r\n') AS DOUBLE) > 0, false)
        ELSE coalesce(TRY_CAST(g AS DOUBLE) > 0, false)
    END
);

-- ---------------------------------------------------------------- records (§3.3)
CREATE OR REPLACE TEMP TABLE recs AS
WITH src AS (
    SELECT fi, line, rest,
           CASE WHEN rest IS NULL AND regexp_matches(line, '^[ \t\r\n]*\{')
                THEN try(from_json(line, '{
                    "MaHoSo": "JSON", "MaDonVi": "JSON", "MaTTHC": "JSON", "MaLinhVuc": "JSON",
                    "KenhThucHien": "VARCHAR", "MucDo": "VARCHAR", "TrangThaiHoSo": "VARCHAR",
                    "NgayTiepNhan": "JSON", "NgayHenTra": "JSON", "NgayKetThucXuLy": "JSON",
                    "NgayTra": "JSON", "HinhThuc": "VARCHAR", "DuocThanhToanTrucTuyen": "VARCHAR",
                    "HoSoCoThanhPhanSoHoa": "VARCHAR", "DanhSachLePhi": "JSON",
                    "DanhSachGiayToKetQua": "JSON"}'))
           END AS j
    FROM raw_lines
),
f AS (
    SELECT fi, j IS NOT NULL AS ok_json,
           -- JSON fragments as plain text (a JSON-typed value would turn the literals
           -- compared with it into JSON)
           j.MaHoSo::VARCHAR AS f_mhs, j.MaDonVi::VARCHAR AS f_dv, j.MaTTHC::VARCHAR AS f_tthc,
           j.MaLinhVuc::VARCHAR AS f_lv,
           nullif(j.KenhThucHien, '') AS v_kenh, nullif(j.MucDo, '') AS v_mucdo,
           nullif(j.TrangThaiHoSo, '') AS v_st,
           j.NgayTiepNhan::VARCHAR AS f_recv, j.NgayHenTra::VARCHAR AS f_due,
           j.NgayKetThucXuLy::VARCHAR AS f_end, j.NgayTra::VARCHAR AS f_ret,
           nullif(j.HinhThuc, '') AS v_ht, nullif(j.DuocThanhToanTrucTuyen, '') AS v_paid,
           nullif(j.HoSoCoThanhPhanSoHoa, '') AS v_digit,
           j.DanhSachLePhi::VARCHAR AS f_fee, j.DanhSachGiayToKetQua::VARCHAR AS f_kq
    FROM src
),
g AS (
    SELECT *,
        str_val(f_mhs) AS mhs,
        str_val(f_dv) AS dv,
        status_val(v_st) AS st,
        code_val(v_kenh) AS kenh_c, code_val(v_mucdo) AS mucdo_c, code_val(v_ht) AS ht_c,
        code_val(v_paid) AS paid_c, code_val(v_digit) AS digit_c,
        str_val(f_recv) AS s_recv, str_val(f_due) AS s_due, str_val(f_end) AS s_end, str_val(f_ret) AS s_ret
    FROM f
),
h AS (
    SELECT *,
        CASE WHEN mhs IS NOT NULL AND contains(mhs, '-')
                  AND regexp_full_match(split_part(mhs, '-', 1), '[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}')
             THEN split_part(mhs, '-', 1) END AS dv_derived,
        local_date(s_recv, (SELECT tz_min FROM params)) AS d_recv,
        local_date(s_due, (SELECT tz_min FROM params)) AS d_due,
        local_date(s_end, (SELECT tz_min FROM params)) AS d_end,
        local_date(s_ret, (SELECT tz_min FROM params)) AS d_ret
    FROM g
)
SELECT fi,
    CASE
        WHEN NOT ok_json THEN 'malformed_json'
        -- step 4: missing fields
        WHEN NOT present(f_mhs) THEN 'missing_field:MaHoSo'
        WHEN NOT present(f_dv) AND dv_derived IS NULL THEN 'missing_field:MaDonVi'
        WHEN v_st IS NULL THEN 'missing_field:TrangThaiHoSo'
        WHEN NOT present(f_recv) AND coalesce(st NOT IN (1, 3), true) THEN 'missing_field:NgayTiepNhan'
        WHEN NOT present(f_end) AND coalesce(st IN (7, 8, 9, 10), false) THEN 'missing_field:NgayKetThucXuLy'
        -- step 5: invalid values, TrangThaiHoSo first, then §2.2 table order
        WHEN st IS NULL THEN 'invalid_value:TrangThaiHoSo'
        WHEN NOT is_str(f_mhs) THEN 'invalid_value:MaHoSo'
        WHEN present(f_dv) AND NOT is_str(f_dv) THEN 'invalid_value:MaDonVi'
        WHEN present(f_tthc) AND NOT is_str(f_tthc) THEN 'invalid_value:MaTTHC'
        WHEN present(f_lv) AND NOT is_str(f_lv) THEN 'invalid_value:MaLinhVuc'
        WHEN v_kenh IS NOT NULL AND coalesce(kenh_c NOT IN (1, 2, 3), true) THEN 'invalid_value:KenhThucHien'
        WHEN v_mucdo IS NOT NULL AND coalesce(mucdo_c NOT IN (2, 3, 4), true) THEN 'invalid_value:MucDo'
        WHEN present(f_recv) AND (NOT is_str(f_recv) OR d_recv IS NULL) THEN 'invalid_value:NgayTiepNhan'
        WHEN present(f_due) AND (NOT is_str(f_due) OR d_due IS NULL) THEN 'invalid_value:NgayHenTra'
        WHEN present(f_end) AND (NOT is_str(f_end) OR d_end IS NULL) THEN 'invalid_value:NgayKetThucXuLy'
        WHEN present(f_ret) AND (NOT is_str(f_ret) OR d_ret IS NULL) THEN 'invalid_value:NgayTra'
        WHEN v_ht IS NOT NULL AND coalesce(ht_c NOT IN (0, 1), true) THEN 'invalid_value:HinhThuc'
        WHEN v_paid IS NOT NULL AND coalesce(paid_c NOT IN (0, 1, 2, 3), true) THEN 'invalid_value:DuocThanhToanTrucTuyen'
        WHEN v_digit IS NOT NULL AND coalesce(digit_c NOT IN (0, 1), true) THEN 'invalid_value:HoSoCoThanhPhanSoHoa'
        -- step 6
        WHEN d_end < d_recv THEN 'ended_before_received'
    END AS reason,
    mhs AS dossier_id,
    coalesce(dv, dv_derived) AS unit_code,
    nullif(regexp_replace(str_val(f_tthc), '\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$', ''), '') AS procedure_code,
    str_val(f_lv) AS sector_code,
    coalesce(kenh_c, 1) AS channel,
    st AS status,
    d_recv, d_due, d_end, d_ret,
    ht_c AS return_channel,
    paid_c AS paid_online,
    digit_c AS digitized,
    CASE WHEN f_fee IS NOT NULL AND f_fee[1] = '['
         THEN list_bool_or(list_transform(CAST(json_extract(f_fee, '$[*].Gia') AS VARCHAR[]), lambda x: gia_positive(x)))
    END AS fee_bearing,
    CASE WHEN f_kq IS NOT NULL AND f_kq[1] = '['
         THEN list_bool_or(list_transform(CAST(json_extract(f_kq, '$[*].DuongDanTepTinKetQua') AS VARCHAR[]),
                                          lambda x: x IS NOT NULL AND x NOT IN ('null', '""')))
    END AS e_result
FROM h;

CREATE OR REPLACE TEMP TABLE rejects_by_reason AS
SELECT reason, count(*) AS n FROM recs WHERE reason IS NOT NULL GROUP BY reason ORDER BY reason;

-- ---------------------------------------------------------------- latest version wins (§3.2)
-- recs keeps the insertion order of raw_lines (preserve_insertion_order), so its rowid is
-- the line order inside a file; fi is the file order.
CREATE OR REPLACE TEMP TABLE dossiers AS
SELECT dossier_id, unnest(arg_max(struct_pack(
           unit_code, procedure_code, sector_code, channel, status, d_recv, d_due, d_end, d_ret,
           return_channel, paid_online, digitized, fee_bearing, e_result),
       fi::BIGINT * 1000000000000 + rid))
FROM (SELECT rowid AS rid, * FROM recs WHERE reason IS NULL)
GROUP BY dossier_id;

CREATE OR REPLACE TEMP TABLE accounting AS
SELECT (SELECT count(*) FROM recs) AS records,
       (SELECT count(*) FROM recs WHERE reason IS NULL) AS accepted,
       (SELECT count(*) FROM recs WHERE reason IS NOT NULL) AS rejected,
       (SELECT count(*) FROM dossiers) AS dossiers,
       (SELECT count(*) FROM recs WHERE reason IS NULL) - (SELECT count(*) FROM dossiers) AS superseded,
       (SELECT count(*) FROM dossiers WHERE status NOT IN (1, 3)) AS in_scope,
       (SELECT count(*) FROM dossiers WHERE status IN (1, 3)) AS not_received;

-- ---------------------------------------------------------------- units (§2.5, §5.3)
CREATE OR REPLACE TEMP TABLE all_units AS
SELECT unit_code, unit_name, tier, parent_code FROM units
UNION ALL
SELECT DISTINCT d.unit_code, '', 'unknown', ''
FROM dossiers d WHERE d.unit_code NOT IN (SELECT unit_code FROM units);

CREATE OR REPLACE TEMP TABLE closure AS
WITH RECURSIVE c(anc, unit) AS (
    SELECT unit_code, unit_code FROM all_units
    UNION
    SELECT c.anc, u.unit_code FROM c JOIN units u ON u.parent_code = c.unit  -- UNION: stops on cycles
)
SELECT DISTINCT anc, unit FROM c;

CREATE OR REPLACE TEMP TABLE scopes AS
SELECT unit_code AS anc, 'own' AS scope FROM all_units
UNION ALL
SELECT DISTINCT parent_code, 'subtree' FROM units WHERE parent_code <> '';

-- ---------------------------------------------------------------- in-scope dossiers + sector
CREATE OR REPLACE TEMP TABLE ds AS
WITH first_row AS (
    SELECT procedure_code, arg_min(sector_code, ord) AS sector_code FROM procs GROUP BY procedure_code
),
d AS (
    SELECT d.*, CASE coalesce(u.tier, 'unknown')
                    WHEN 'tinh' THEN 'tinh' WHEN 'so_nganh' THEN 'tinh'
                    WHEN 'huyen' THEN 'huyen' WHEN 'xa' THEN 'xa' END AS ctier
    FROM dossiers d LEFT JOIN units u USING (unit_code)
    WHERE d.status NOT IN (1, 3)
)
SELECT d.*,
       coalesce(d.sector_code, nullif(ps.sector_code, ''), nullif(pg.sector_code, ''),
                nullif(pf.sector_code, ''), '(none)') AS sector
FROM d
LEFT JOIN procs ps ON ps.procedure_code = d.procedure_code AND ps.tier = d.ctier AND ps.unit_code = d.unit_code
LEFT JOIN procs pg ON pg.procedure_code = d.procedure_code AND pg.tier = d.ctier AND pg.unit_code = ''
LEFT JOIN first_row pf ON pf.procedure_code = d.procedure_code;

-- ---------------------------------------------------------------- counters (§5.1, §5.2)
CREATE OR REPLACE TEMP TABLE flags AS
WITH x AS (
    SELECT p.label, p.p_from, p.p_to, d.unit_code, d.sector, d.channel, d.status,
           d.d_recv, d.d_due, d.d_end, d.d_ret, d.return_channel, d.paid_online, d.digitized,
           coalesce(d.fee_bearing, false) AS fee, coalesce(d.e_result, false) AS eres,
           CASE WHEN (SELECT rules FROM params) = 'qd766' THEN d.status IN (7, 8, 9, 10)
                ELSE d.status IN (7, 9, 10) END AS term,
           (SELECT rules FROM params) AS rules
    FROM ds d JOIN periods p ON d.d_recv <= p.p_to
),
y AS (
    SELECT *,
        d_recv >= p_from AS is_new,
        term AND d_end <= p_from - 1 AS ended_before,
        term AND d_end <= p_to AS ended_to,
        d_ret BETWEEN p_from AND p_to AS ret_in
    FROM x
),
z AS (
    SELECT *,
        ended_to AND d_end >= p_from AS resolved,
        NOT ended_to AS pending,
        -- §5.1 resolved classes
        CASE WHEN rules = 'tt01' AND status = 7 THEN 'on_time'
             WHEN d_due IS NULL OR d_end = d_due THEN 'on_time'
             WHEN d_end < d_due THEN 'early' ELSE 'late' END AS rclass,
        -- §5.1 pending classes
        CASE WHEN rules = 'tt01' AND status IN (5, 6, 8) THEN 'within'
             WHEN d_due IS NULL OR d_due >= p_to THEN 'within' ELSE 'overdue' END AS pclass
    FROM y
    WHERE is_new OR NOT ended_before OR ret_in
)
-- (count_if of only NULLs is NULL, hence the coalesce)
SELECT label, p_from, p_to, unit_code, sector,
    count_if(coalesce(is_new AND channel = 2, false)) AS new_online,
    count_if(coalesce(is_new AND channel = 1, false)) AS new_direct,
    count_if(coalesce(is_new AND channel = 3, false)) AS new_postal,
    count_if(coalesce(is_new AND channel IN (1, 3), false)) AS new_offline,
    count_if(coalesce(NOT is_new AND NOT ended_before, false)) AS carried_over,
    count_if(coalesce(is_new OR NOT ended_before, false)) AS received_total,
    count_if(coalesce(resolved, false)) AS resolved_total,
    count_if(coalesce(resolved AND rclass = 'early', false)) AS resolved_early,
    count_if(coalesce(resolved AND rclass = 'on_time', false)) AS resolved_on_time,
    count_if(coalesce(resolved AND rclass = 'late', false)) AS resolved_late,
    count_if(coalesce(resolved AND status = 7, false)) AS withdrawn,
    count_if(coalesce(pending, false)) AS pending_total,
    count_if(coalesce(pending AND pclass = 'within', false)) AS pending_within,
    count_if(coalesce(pending AND pclass = 'overdue', false)) AS pending_overdue,
    count_if(coalesce(ret_in, false)) AS returned_total,
    count_if(coalesce(ret_in AND return_channel = 1, false)) AS returned_postal,
    count_if(coalesce(is_new AND fee, false)) AS fee_bearing,
    count_if(coalesce(is_new AND fee AND paid_online IN (1, 2), false)) AS paid_online,
    count_if(coalesce(is_new AND digitized = 1, false)) AS digitized,
    count_if(coalesce(resolved AND eres, false)) AS e_result
FROM z
GROUP BY ALL;

-- ---------------------------------------------------------------- rows (§5.3, §7.3)
-- own: the unit's dossiers; subtree (units with children): the unit and its descendants.
CREATE OR REPLACE TEMP TABLE by_scope AS
SELECT label, unit_code, 'own' AS scope, sector,
       sum(new_online) AS new_online, sum(new_direct) AS new_direct, sum(new_postal) AS new_postal,
       sum(new_offline) AS new_offline, sum(carried_over) AS carried_over,
       sum(received_total) AS received_total, sum(resolved_total) AS resolved_total,
       sum(resolved_early) AS resolved_early, sum(resolved_on_time) AS resolved_on_time,
       sum(resolved_late) AS resolved_late, sum(withdrawn) AS withdrawn,
       sum(pending_total) AS pending_total, sum(pending_within) AS pending_within,
       sum(pending_overdue) AS pending_overdue, sum(returned_total) AS returned_total,
       sum(returned_postal) AS returned_postal, sum(fee_bearing) AS fee_bearing,
       sum(paid_online) AS paid_online, sum(digitized) AS digitized, sum(e_result) AS e_result
FROM flags GROUP BY ALL
UNION ALL
SELECT f.label, c.anc AS unit_code, 'subtree' AS scope, f.sector,
       sum(f.new_online) AS new_online, sum(f.new_direct) AS new_direct,
       sum(f.new_postal) AS new_postal, sum(f.new_offline) AS new_offline,
       sum(f.carried_over) AS carried_over, sum(f.received_total) AS received_total,
       sum(f.resolved_total) AS resolved_total, sum(f.resolved_early) AS resolved_early,
       sum(f.resolved_on_time) AS resolved_on_time, sum(f.resolved_late) AS resolved_late,
       sum(f.withdrawn) AS withdrawn, sum(f.pending_total) AS pending_total,
       sum(f.pending_within) AS pending_within, sum(f.pending_overdue) AS pending_overdue,
       sum(f.returned_total) AS returned_total, sum(f.returned_postal) AS returned_postal,
       sum(f.fee_bearing) AS fee_bearing, sum(f.paid_online) AS paid_online,
       sum(f.digitized) AS digitized, sum(f.e_result) AS e_result
FROM flags f
JOIN closure c ON c.unit = f.unit_code
JOIN scopes s ON s.anc = c.anc AND s.scope = 'subtree'
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE out_rows AS
WITH grid AS (
    SELECT p.label, p.p_from, p.p_to, p.partial, u.unit_code, u.unit_name, u.tier, u.parent_code, s.scope
    FROM periods p CROSS JOIN all_units u JOIN scopes s ON s.anc = u.unit_code
),
totals AS (
    SELECT label, unit_code, scope, '' AS sector_code,
       sum(new_online) AS new_online, sum(new_direct) AS new_direct, sum(new_postal) AS new_postal,
       sum(new_offline) AS new_offline, sum(carried_over) AS carried_over,
       sum(received_total) AS received_total, sum(resolved_total) AS resolved_total,
       sum(resolved_early) AS resolved_early, sum(resolved_on_time) AS resolved_on_time,
       sum(resolved_late) AS resolved_late, sum(withdrawn) AS withdrawn,
       sum(pending_total) AS pending_total, sum(pending_within) AS pending_within,
       sum(pending_overdue) AS pending_overdue, sum(returned_total) AS returned_total,
       sum(returned_postal) AS returned_postal, sum(fee_bearing) AS fee_bearing,
       sum(paid_online) AS paid_online, sum(digitized) AS digitized, sum(e_result) AS e_result
    FROM by_scope GROUP BY ALL
),
sectors AS (
    SELECT label, unit_code, scope, sector AS sector_code, * EXCLUDE (label, unit_code, scope, sector)
    FROM by_scope
    WHERE (SELECT breakdown FROM params)
      AND (new_online + new_direct + new_postal + new_offline + carried_over + received_total + resolved_total + resolved_early + resolved_on_time + resolved_late + withdrawn + pending_total + pending_within + pending_overdue + returned_total + returned_postal + fee_bearing + paid_online + digitized + e_result) > 0
),
both_kinds AS (
    SELECT * FROM totals
    UNION ALL
    SELECT * FROM sectors
)
SELECT g.label AS period, g.p_from, g.p_to, g.partial, g.unit_code, g.unit_name, g.tier,
       g.parent_code, g.scope, coalesce(t.sector_code, '') AS sector_code,
       coalesce(t.new_online, 0) AS new_online, coalesce(t.new_direct, 0) AS new_direct,
       coalesce(t.new_postal, 0) AS new_postal, coalesce(t.new_offline, 0) AS new_offline,
       coalesce(t.carried_over, 0) AS carried_over,
       coalesce(t.received_total, 0) AS received_total,
       coalesce(t.resolved_total, 0) AS resolved_total,
       coalesce(t.resolved_early, 0) AS resolved_early,
       coalesce(t.resolved_on_time, 0) AS resolved_on_time,
       coalesce(t.resolved_late, 0) AS resolved_late, coalesce(t.withdrawn, 0) AS withdrawn,
       coalesce(t.pending_total, 0) AS pending_total,
       coalesce(t.pending_within, 0) AS pending_within,
       coalesce(t.pending_overdue, 0) AS pending_overdue,
       coalesce(t.returned_total, 0) AS returned_total,
       coalesce(t.returned_postal, 0) AS returned_postal,
       coalesce(t.fee_bearing, 0) AS fee_bearing, coalesce(t.paid_online, 0) AS paid_online,
       coalesce(t.digitized, 0) AS digitized, coalesce(t.e_result, 0) AS e_result
FROM grid g
LEFT JOIN both_kinds t ON t.label = g.label AND t.unit_code = g.unit_code AND t.scope = g.scope
WHERE t.sector_code IS NULL OR t.sector_code = '' OR (SELECT breakdown FROM params);
