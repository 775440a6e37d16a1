-- E07_01 政务服务网办率（单位：%；越大越好）
-- Share (%) of all the quarter's completed cases handled online (is_online).
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without cases
--   n_cases    warehouse rows behind the value
select unit_code, 100.0 * avg(is_online::int) as value, count(is_online) as n_cases
from shared.approval_cases
where quarter = $quarter
group by unit_code
