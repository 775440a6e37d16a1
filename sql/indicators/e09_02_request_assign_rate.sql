-- E09_02 2个工作日内交办率（单位：%；越大越好）
-- Share (%) of the quarter's closed 涉企诉求 with 交办时间 (assigned_at) within 2 working days of 受理时间 (accepted_at), by the "123" rule.
-- Working days from the shared layer (shared.enterprise_requests: workday_seq(later day) −
-- workday_seq(受理 day)); requests without the time or outside the calendar are not counted.
-- Rows belong to the quarter by `quarter` (办结时间).
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without requests
--   n_cases    requests behind the value
select unit_code, 100.0 * avg((assign_workdays <= 2)::int) as value, count(*) as n_cases
from shared.enterprise_requests
where quarter between $first_quarter and $quarter and assign_workdays is not null
group by unit_code
order by unit_code
