-- E02_02 工程建设项目按承诺时限办结率（单位：%；越大越好）
-- Share (%) of the quarter's 工程建设项目审批 cases whose working-day duration
-- (work_calendar, accepted_at → completed_at) is ≤ 承诺时限 (promised_limit_days).
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without 工程建设项目审批 cases
--   n_cases    warehouse rows behind the value
select unit_code, 100.0 * avg(on_time::int) as value, count(on_time) as n_cases
from shared.approval_cases
where quarter between $first_quarter and $quarter and category = '工程建设项目审批'
group by unit_code
