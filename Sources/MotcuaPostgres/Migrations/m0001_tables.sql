-- Migration 1: motcua's tables (issue 17; docs/REFERENCE.md §8.11). Applied once per schema, in
-- one transaction with its row in schema_version; the search_path is the target schema.
-- Statements end with `;` at the end of a line (the migrator splits them there).

-- One row per run that wrote the database: what it computed and from what.
CREATE TABLE runs (
    run_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pipeline text NOT NULL,
    rules text NOT NULL,
    period_kind text NOT NULL,
    periods text[] NOT NULL,
    range_from date,
    range_to date,
    as_of date,
    records bigint NOT NULL,
    accepted bigint NOT NULL,
    rejected bigint NOT NULL,
    dossiers bigint NOT NULL,
    superseded bigint NOT NULL,
    in_scope bigint NOT NULL,
    not_received bigint NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    motcua_version text NOT NULL
);

-- counters.csv's columns, typed, after the key columns a run replaces them by.
CREATE TABLE counters (
    -- what a run replaces rows by: pipeline, rule set, period kind and label
    pipeline text NOT NULL, rules text NOT NULL, period_kind text NOT NULL, period text NOT NULL,
    "from" date NOT NULL, "to" date NOT NULL, partial boolean NOT NULL,
    unit_code text NOT NULL, unit_name text NOT NULL, tier text NOT NULL,
    parent_code text NOT NULL, scope text NOT NULL, sector_code text NOT NULL,
    new_online bigint NOT NULL,
    new_direct bigint NOT NULL,
    new_postal bigint NOT NULL,
    new_offline bigint NOT NULL,
    carried_over bigint NOT NULL,
    received_total bigint NOT NULL,
    resolved_total bigint NOT NULL,
    resolved_early bigint NOT NULL,
    resolved_on_time bigint NOT NULL,
    resolved_late bigint NOT NULL,
    withdrawn bigint NOT NULL,
    pending_total bigint NOT NULL,
    pending_within bigint NOT NULL,
    pending_overdue bigint NOT NULL,
    returned_total bigint NOT NULL,
    returned_postal bigint NOT NULL,
    fee_bearing bigint NOT NULL,
    paid_online bigint NOT NULL,
    digitized bigint NOT NULL,
    e_result bigint NOT NULL,
    run_id bigint NOT NULL REFERENCES runs (run_id),
    PRIMARY KEY (pipeline, rules, period_kind, period, unit_code, scope, sector_code)
);

-- kpis.csv's columns, typed; value and bounds with kpis.csv's 6 decimals, NULL where it is empty.
CREATE TABLE kpis (
    -- as in counters
    pipeline text NOT NULL, rules text NOT NULL, period_kind text NOT NULL, period text NOT NULL,
    "from" date NOT NULL, "to" date NOT NULL, partial boolean NOT NULL,
    unit_code text NOT NULL, unit_name text NOT NULL, tier text NOT NULL,
    scope text NOT NULL, kpi text NOT NULL,
    numerator bigint NOT NULL,
    denominator bigint NOT NULL,
    value numeric(12,6),
    target_min numeric(12,6),
    target_max numeric(12,6),
    met boolean,
    run_id bigint NOT NULL REFERENCES runs (run_id),
    PRIMARY KEY (pipeline, rules, period_kind, period, unit_code, scope, kpi)
);

-- summary.json's rejects_by_reason of each run.
CREATE TABLE rejects_by_reason (
    run_id bigint NOT NULL REFERENCES runs (run_id),
    reason text NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (run_id, reason)
);
