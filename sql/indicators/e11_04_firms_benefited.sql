-- E11_04 惠及企业数（单位：家；越大越好）
-- Distinct firms (统一社会信用代码) paid at least once in the quarter.
-- Rows belong to the quarter by the warehouse column `quarter` (拨付时间).
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      number of firms (double); no row for a unit without payouts
--   n_cases    payouts behind the value
with payouts as (
    select region_code, credit_code
    from warehouse.policy_payouts
    where quarter between $first_quarter and $quarter
),

final as (
    select
        region_code as unit_code,
        cast(count(distinct credit_code) as double) as value,
        count(*) as n_cases
    from payouts
    group by region_code
)

select * from final order by unit_code
