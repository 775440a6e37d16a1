-- Tasks open when $quarter is measured: opened before $quarter and not closed ($closed,
-- i.e. 销号) in an earlier quarter, as currently known.
--   (all columns of scores.rectification_tasks)
--   last_score   the latest measured score before $quarter (the baseline if none)
with tasks as (
    select * from scores.rectification_tasks
    where opened_quarter < $quarter
),

events as (
    select task_id, quarter, outcome, measured_score
    from scores.rectification_events_current
    where quarter < $quarter
),

closed as (
    select distinct task_id from events where outcome = $closed
),

measured as (
    select
        task_id,
        measured_score,
        row_number() over (partition by task_id order by quarter desc) as newest
    from events
    where measured_score is not null
),

final as (
    select
        t.*,
        coalesce(m.measured_score, t.baseline_score) as last_score
    from tasks as t
    left join measured as m on t.task_id = m.task_id and m.newest = 1
    where t.task_id not in (select c.task_id from closed as c)
    order by t.task_id
)

select * from final
