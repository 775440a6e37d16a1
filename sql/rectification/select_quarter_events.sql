-- The current events of $quarter with their tasks (bulletin chapter 八, workbook).
--   task_id, unit_code, unit_name, indicator_code, indicator_name, lead_department,
--   opened_quarter, deadline_quarter, baseline_score, target_text, reported_status,
--   reported_progress, measured_score, measured_rank, units_ranked, outcome, reason
with tasks as (
    select * from scores.rectification_tasks
),

events as (
    select * from scores.rectification_events_current
    where quarter = $quarter
),

final as (
    select
        t.task_id,
        t.unit_code,
        t.unit_name,
        t.indicator_code,
        t.indicator_name,
        t.lead_department,
        t.opened_quarter,
        t.deadline_quarter,
        t.baseline_score,
        t.target_text,
        e.reported_status,
        e.reported_progress,
        e.measured_score,
        e.measured_rank,
        e.units_ranked,
        e.outcome,
        e.reason
    from events as e
    inner join tasks as t on e.task_id = t.task_id
    order by t.lead_department, t.task_id
)

select * from final
