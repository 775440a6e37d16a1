-- The current history of tasks: one row per task and quarter (events_current) with the
-- task's fields, filtered by $department (null: all) and quarters up to $quarter.
--   task_id, unit_name, indicator_name, lead_department, opened_quarter, deadline_quarter,
--   quarter, reported_status, measured_score, measured_rank, units_ranked, outcome, reason
with tasks as (
    select * from scores.rectification_tasks
    where cast($department as varchar) is null or lead_department = $department
),

events as (
    select * from scores.rectification_events_current
    where quarter <= $quarter
),

final as (
    select
        t.task_id,
        t.unit_name,
        t.indicator_name,
        t.lead_department,
        t.opened_quarter,
        t.deadline_quarter,
        t.target_text,
        e.quarter,
        e.reported_status,
        e.measured_score,
        e.measured_rank,
        e.units_ranked,
        e.outcome,
        e.reason
    from tasks as t
    inner join events as e on t.task_id = e.task_id
    order by t.lead_department, t.task_id, e.quarter
)

select * from final
