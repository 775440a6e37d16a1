-- 整改按期完成率 per lead department as of $quarter: among the tasks due by then (deadline
-- quarter <= $quarter), the share closed (销号, $closed) in or before their deadline quarter.
--   lead_department, due, on_time, open_tasks (open after $quarter), rate (null if none due)
with tasks as (
    select task_id, lead_department, deadline_quarter
    from scores.rectification_tasks
    where opened_quarter <= $quarter
),

closed as (
    select task_id, min(quarter) as closed_quarter
    from scores.rectification_events_current
    where outcome = $closed and quarter <= $quarter
    group by task_id
),

per_task as (
    select
        t.lead_department,
        t.deadline_quarter <= $quarter as is_due,
        coalesce(c.closed_quarter <= t.deadline_quarter, false) as on_time,
        c.closed_quarter is null as still_open
    from tasks as t
    left join closed as c on t.task_id = c.task_id
),

final as (
    select
        lead_department,
        count(*) filter (where is_due) as due,
        count(*) filter (where is_due and on_time) as on_time,
        count(*) filter (where still_open) as open_tasks,
        case
            when count(*) filter (where is_due) > 0
                then
                    (count(*) filter (where is_due and on_time))::double
                    / count(*) filter (where is_due)
        end as rate
    from per_task
    group by lead_department
    order by rate desc nulls last, lead_department asc
)

select * from final
