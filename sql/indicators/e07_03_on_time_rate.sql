-- E07_03 政务服务按承诺时限办结率（单位：%；越大越好）
-- Share (%) of all the quarter's completed cases whose working-day duration
-- (work_calendar, accepted_at → completed_at) is ≤ 承诺时限 (promised_limit_days).
-- Rows belong to the quarter by the warehouse column `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without cases
--   n_cases    warehouse rows behind the value
with cases as (
    select region_code, accepted_at, completed_at, promised_limit_days
    from warehouse.approval_cases
    where quarter = $quarter
),

calendar as (
    select day, workday_seq from work_calendar
),

durations as (
    select
        c.region_code,
        c.promised_limit_days,
        ended.workday_seq - started.workday_seq as workdays
    from cases as c
    left join calendar as started on started.day = cast(c.accepted_at as date)
    left join calendar as ended on ended.day = cast(c.completed_at as date)
),

flagged as (
    select
        region_code,
        case when workdays <= promised_limit_days then 1.0 else 0.0 end as on_time
    from durations
    where workdays is not null and promised_limit_days is not null
),

final as (
    select
        region_code as unit_code,
        100.0 * avg(on_time) as value,
        count(*) as n_cases
    from flagged
    group by region_code
)

select * from final order by unit_code
