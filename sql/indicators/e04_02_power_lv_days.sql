-- E04_02 低压用户平均接电时间（单位：工作日；越小越好）
-- Mean working days from 申请 (applied_at) to 接通 (connected_at) of the quarter's
-- low-voltage (低压) electricity connections (work_calendar; same day = 0).
-- Rows belong to the quarter by the warehouse column `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      mean working days (double); no row for a unit without 低压 connections
--   n_cases    warehouse rows behind the value
with cases as (
    select region_code, applied_at, connected_at
    from warehouse.utility_connections
    where quarter = $quarter
        and utility_type = '电力'
        and customer_class = '低压'
),

calendar as (
    select day, workday_seq from work_calendar
),

durations as (
    select
        c.region_code,
        ended.workday_seq - started.workday_seq as workdays
    from cases as c
    left join calendar as started on started.day = cast(c.applied_at as date)
    left join calendar as ended on ended.day = cast(c.connected_at as date)
),

final as (
    select
        region_code as unit_code,
        avg(workdays) as value,
        count(workdays) as n_cases
    from durations
    group by region_code
)

select * from final order by unit_code
