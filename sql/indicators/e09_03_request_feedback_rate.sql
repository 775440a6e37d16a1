-- E09_03 3个工作日内反馈率（单位：%；越大越好）
-- Share (%) of the quarter's closed 涉企诉求 with 反馈时间 (feedback_at) within 3 working days of 受理时间 (accepted_at), by the "123" rule.
-- Working days by work_calendar: workday_seq(later day) − workday_seq(受理 day), so a
-- request accepted on a Friday and handled on Monday took 1 working day.
-- Rows belong to the quarter by the warehouse column `quarter` (办结时间).
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without requests
--   n_cases    requests behind the value
with requests as (
    select region_code, accepted_at, feedback_at as done_at
    from warehouse.enterprise_requests
    where quarter between $first_quarter and $quarter
),

calendar as (
    select day, workday_seq from work_calendar
),

durations as (
    select
        r.region_code,
        done.workday_seq - started.workday_seq as workdays
    from requests as r
    left join calendar as started on started.day = cast(r.accepted_at as date)
    left join calendar as done on done.day = cast(r.done_at as date)
),

flagged as (
    select
        region_code,
        case when workdays <= 3 then 1.0 else 0.0 end as in_time
    from durations
    where workdays is not null
),

final as (
    select
        region_code as unit_code,
        100.0 * avg(in_time) as value,
        count(*) as n_cases
    from flagged
    group by region_code
)

select * from final order by unit_code
