-- E10_04 联合检查占比（单位：%；越大越好）
-- Share (%) of the quarter's inspections with 是否联合检查 = 是.
-- Reads the shared layer (shared.inspections); rows belong to the quarter by `quarter`
-- (检查日期).
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without inspections
--   n_cases    inspections behind the value
select unit_code, 100.0 * avg(is_joint::int) as value, count(*) as n_cases
from shared.inspections
where quarter between $first_quarter and $quarter
group by unit_code
order by unit_code
