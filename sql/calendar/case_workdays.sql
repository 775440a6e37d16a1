-- Join form of workdays_between for a whole table at once (set-based, no per-row subquery):
-- working days between `started_at` and `finished_at` of every row of table `case_times`.
--   case_id      the row's id (any type)
--   started_at, finished_at   dates or timestamps (Asia/Shanghai)
--   workdays     workday_seq(finished day) − workday_seq(started day); null when either day
--                is null or outside work_calendar
-- `case_times` is a view or registered relation with columns case_id, started_at,
-- finished_at (callers create it, e.g. `create temp view case_times as select …`).
with cases as (
    select case_id, started_at, finished_at from case_times
),

calendar as (
    select day, workday_seq from work_calendar
),

final as (
    select
        c.case_id,
        c.started_at,
        c.finished_at,
        e.workday_seq - s.workday_seq as workdays
    from cases as c
    left join calendar as s on s.day = cast(c.started_at as date)
    left join calendar as e on e.day = cast(c.finished_at as date)
)

select * from final
