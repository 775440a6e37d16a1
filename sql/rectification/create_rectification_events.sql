-- scores.rectification_events: append-only history, one version per task, quarter and run
-- that changed what is known. Rows are never updated or deleted: a re-run that derives the
-- same content appends nothing; a different result appends version + 1; a task a re-run no
-- longer derives gets a row with withdrawn = true. The current state is the view
-- scores.rectification_events_current; what was known at a time T is the latest version with
-- computed_at <= T (sql/rectification/select_events_as_of.sql).
--   task_id, quarter      the task and the quarter measured
--   version               1, 2, … per (task_id, quarter)
--   computed_at, run_id   when and by which Dagster run the version was written
--   withdrawn             true: the row no longer holds (the quarter was re-derived without it)
--   reported_status, reported_progress, reported_completed_at   from the quarter's ledger
--   measured_value, measured_score, measured_rank, units_ranked  the quarter's measurement
--   outcome               新立 | 销号 | 持续整改 | 回炉 | 逾期 (null when withdrawn)
--   reason                why, in Chinese
--   fingerprint           sha256 of the content columns (detects unchanged re-runs)
create table if not exists scores.rectification_events (
    task_id varchar not null,
    quarter varchar not null,
    version integer not null,
    computed_at timestamptz not null,
    run_id varchar not null,
    withdrawn boolean not null,
    reported_status varchar,
    reported_progress varchar,
    reported_completed_at timestamp,
    measured_value double,
    measured_score double,
    measured_rank integer,
    units_ranked integer,
    outcome varchar,
    reason varchar,
    fingerprint varchar not null,
    primary key (task_id, quarter, version)
)
