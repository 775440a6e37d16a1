-- E07_06 “一次不用跑”办件占比（单位：%；越大越好）
-- Share (%) of the quarter's 其他政务服务 cases with 跑动次数 (visit_count) 0.
-- Population: 其他政务服务 cases only; 企业开办, 工程建设项目审批 and 不动产登记 are scored under
-- E01, E02 and E03 and are not counted again (docs/indicators.md, “The E07 population”).
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without 其他政务服务 cases
--   n_cases    warehouse rows behind the value
select unit_code, 100.0 * avg(no_visit::int) as value, count(no_visit) as n_cases
from shared.approval_cases
where quarter between $first_quarter and $quarter and category = '其他政务服务'
group by unit_code
