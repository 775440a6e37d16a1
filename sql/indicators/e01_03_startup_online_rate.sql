-- E01_03 企业开办全程网办率（单位：%；越大越好）
-- Share (%) of the quarter's 企业开办 cases handled online (is_online).
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without 企业开办 cases
--   n_cases    warehouse rows behind the value
select unit_code, 100.0 * avg(is_online::int) as value, count(is_online) as n_cases
from shared.approval_cases
where quarter between $first_quarter and $quarter and category = '企业开办'
group by unit_code
