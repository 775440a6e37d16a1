-- E11_02 平均兑现用时（单位：工作日；越小越好）
-- Mean working days from 审核通过时间 to 拨付时间 of the quarter's payouts.
-- Working days by work_calendar: workday_seq(拨付 day) − workday_seq(审核通过 day).
-- Rows belong to the quarter by the warehouse column `quarter` (拨付时间).
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      mean working days (double); no row for a unit without payouts
--   n_cases    payouts behind the value
with payouts as (
    select region_code, approved_at, paid_at
    from warehouse.policy_payouts
    where quarter between $first_quarter and $quarter
),

calendar as (
    select day, workday_seq from work_calendar
),

durations as (
    select
        p.region_code,
        paid.workday_seq - approved.workday_seq as workdays
    from payouts as p
    left join calendar as approved on approved.day = cast(p.approved_at as date)
    left join calendar as paid on paid.day = cast(p.paid_at as date)
),

final as (
    select
        region_code as unit_code,
        avg(workdays) as value,
        count(*) as n_cases
    from durations
    where workdays is not null
    group by region_code
)

select * from final order by unit_code
