-- E11_01 认定类政策免申即享率（单位：%；越大越好）
-- Share (%) of the quarter's 认定类 payouts paid 免申即享 (no application).
-- Rows belong to the quarter by the warehouse column `quarter` (拨付时间).
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without 认定类 payouts
--   n_cases    认定类 payouts behind the value
with payouts as (
    select region_code, payout_mode
    from warehouse.policy_payouts
    where quarter between $first_quarter and $quarter and policy_type = '认定类'
),

final as (
    select
        region_code as unit_code,
        100.0 * avg(case when payout_mode = '免申即享' then 1.0 else 0.0 end) as value,
        count(*) as n_cases
    from payouts
    group by region_code
)

select * from final order by unit_code
