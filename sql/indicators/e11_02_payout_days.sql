-- E11_02 平均兑现用时（单位：工作日；越小越好）
-- Mean working days from 审核通过时间 to 拨付时间 of the quarter's payouts.
-- Working days from the shared layer (shared.policy_payouts: workday_seq(拨付 day) −
-- workday_seq(审核通过 day)); payouts outside the calendar are not counted.
-- Rows belong to the quarter by `quarter` (拨付时间).
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      mean working days (double); no row for a unit without payouts
--   n_cases    payouts behind the value
select unit_code, avg(workdays) as value, count(*) as n_cases
from shared.policy_payouts
where quarter between $first_quarter and $quarter and workdays is not null
group by unit_code
order by unit_code
