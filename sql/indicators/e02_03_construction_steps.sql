-- E02_03 工程建设项目审批平均办理环节（单位：个；越小越好）
-- Mean 办理环节数 (step_count) of the quarter's 工程建设项目审批 cases.
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      mean number of steps (double); no row for a unit without 工程建设项目审批 cases
--   n_cases    warehouse rows behind the value
select unit_code, avg(step_count) as value, count(step_count) as n_cases
from shared.approval_cases
where quarter between $first_quarter and $quarter and category = '工程建设项目审批'
group by unit_code
