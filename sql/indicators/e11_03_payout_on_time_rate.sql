-- E11_03 按期兑现率（单位：%；越大越好）
-- Share (%) of the quarter's payouts paid within $payout_limit_workdays working days of 审核通过 (framework parameter).
-- Working days by work_calendar: workday_seq(拨付 day) − workday_seq(审核通过 day).
-- Rows belong to the quarter by the warehouse column `quarter` (拨付时间).
-- Parameters: $first_quarter, $quarter (the period), $payout_limit_workdays
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without payouts
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
        100.0 * avg(case when workdays <= $payout_limit_workdays then 1.0 else 0.0 end) as value,
        count(*) as n_cases
    from durations
    where workdays is not null
    group by region_code
)

select * from final order by unit_code
