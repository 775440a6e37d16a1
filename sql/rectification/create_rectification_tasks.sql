-- scores.rectification_tasks: one row per 整改任务, opened when a quarter is scored
-- (pipelines/rectification, docs/rectification.md). Replaced per opening quarter.
--   task_id           ZG-<opened quarter>-<unit>-<indicator>, e.g. ZG-2025Q2-880602-E04_04
--   opened_quarter    the evaluated quarter that opened the task
--   unit_code, unit_name             the unit evaluated
--   indicator_code, indicator_name   the second-level indicator
--   lead_department   the indicator's 牵头单位 (framework lead, else its parent's)
--   trigger           why it was opened (排名后3位 / 得分低于60分)
--   baseline_value, baseline_score, baseline_rank, units_ranked   at opening
--   target_rank       met when the rank is at most this (units ranked − N)
--   target_score      met when the score reaches this (city average at opening)
--   target_text       the target as the ledger states it
--   deadline_quarter, deadline_date  due at the end of this quarter
--   computed_at       when the run that opened it ran
create table if not exists scores.rectification_tasks (
    task_id varchar not null primary key,
    opened_quarter varchar not null,
    unit_code varchar not null,
    unit_name varchar not null,
    indicator_code varchar not null,
    indicator_name varchar not null,
    lead_department varchar not null,
    trigger varchar not null,
    baseline_value double,
    baseline_score double not null,
    baseline_rank integer not null,
    units_ranked integer not null,
    target_rank integer not null,
    target_score double not null,
    target_text varchar not null,
    deadline_quarter varchar not null,
    deadline_date date not null,
    computed_at timestamptz not null
)
