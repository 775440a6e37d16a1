-- E06_04 新发放普惠小微贷款平均利率（单位：%；越小越好）
-- Mean over the quarter's months of 新发放普惠小微贷款加权平均利率 (inclusive_sme_rate_pct).
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage (double); no row for a unit without monthly rows
--   n_cases    warehouse rows behind the value
select unit_code, avg(inclusive_sme_rate_pct) as value, count(inclusive_sme_rate_pct) as n_cases
from shared.loan_balances
where quarter = $quarter
group by unit_code
