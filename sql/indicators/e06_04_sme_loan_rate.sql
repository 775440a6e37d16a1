-- E06_04 新发放普惠小微贷款平均利率（单位：%；越小越好）
-- Mean over the quarter's months of 新发放普惠小微贷款加权平均利率 (inclusive_sme_rate_pct).
-- Rows belong to the quarter by the warehouse column `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage (double); no row for a unit without monthly rows
--   n_cases    warehouse rows behind the value
with cases as (
    select region_code, inclusive_sme_rate_pct
    from warehouse.loan_balances
    where quarter = $quarter
),

final as (
    select
        region_code as unit_code,
        avg(inclusive_sme_rate_pct) as value,
        count(inclusive_sme_rate_pct) as n_cases
    from cases
    group by region_code
)

select * from final order by unit_code
