-- E04_01 高压用户平均接电时间（单位：工作日；越小越好）
-- Mean working days from 申请 (applied_at) to 接通 (connected_at) of the quarter's
-- high-voltage (高压) electricity connections (work_calendar; same day = 0).
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4);
--   $same_day_workdays, the leaf's setting (default 0):
--   what a duration of 0 working days (same day) counts for (0 = the legal count, a lower
--   bound; macro day_count, sql/indicators/shared/create_macro_day_count.sql)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      mean working days (double); no row for a unit without 高压 connections
--   n_cases    warehouse rows behind the value
select unit_code, avg(day_count(workdays, $same_day_workdays)) as value, count(workdays) as n_cases
from shared.utility_connections
where quarter between $first_quarter and $quarter and utility_type = '电力' and customer_class = '高压'
group by unit_code
