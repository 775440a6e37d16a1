-- scores.rectification_task_status: every task with its latest current event.
--   (all columns of scores.rectification_tasks)
--   last_quarter     the latest quarter with an event
--   last_outcome     its outcome (新立 | 销号 | 持续整改 | 回炉 | 逾期)
--   last_status      the status the department last reported (null: never reported)
--   last_score       the latest measured score
--   is_open          false once closed (销号)
--   closed_quarter   the quarter of the 销号 (null while open)
create or replace view scores.rectification_task_status as
with tasks as (
    select * from scores.rectification_tasks
),

events as (
    select
        task_id,
        quarter,
        outcome,
        reported_status,
        measured_score,
        row_number() over (partition by task_id order by quarter desc) as newest
    from scores.rectification_events_current
),

latest as (
    select task_id, quarter, outcome, reported_status, measured_score
    from events
    where newest = 1
),

final as (
    select
        t.*,
        l.quarter as last_quarter,
        l.outcome as last_outcome,
        l.reported_status as last_status,
        l.measured_score as last_score,
        coalesce(l.outcome, '') <> '销号' as is_open,
        case when l.outcome = '销号' then l.quarter end as closed_quarter
    from tasks as t
    left join latest as l on t.task_id = l.task_id
)

select * from final
