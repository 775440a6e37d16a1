-- E02_01 工程建设项目审批平均用时（单位：工作日；越小越好）
-- Mean working days from 受理 (accepted_at) to 办结 (completed_at) of the quarter's
-- 工程建设项目审批 cases (work_calendar; same day = 0; see pipelines/workdays.py).
-- Rows belong to the quarter by the warehouse column `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      mean working days (double); no row for a unit without 工程建设项目审批 cases
--   n_cases    warehouse rows behind the value
with cases as (
    select region_code, accepted_at, completed_at
    from warehouse.approval_cases
    where quarter = $quarter
        and category = '工程建设项目审批'
),

calendar as (
    select day, workday_seq from work_calendar
),

durations as (
    select
        c.region_code,
        ended.workday_seq - started.workday_seq as workdays
    from cases as c
    left join calendar as started on started.day = cast(c.accepted_at as date)
    left join calendar as ended on ended.day = cast(c.completed_at as date)
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
