-- E11_03 按期兑现率（单位：%；越大越好）
-- Share (%) of the quarter's payouts paid within $payout_limit_workdays working days of
-- 审核通过 (framework parameter).
-- Working days from the shared layer (shared.policy_payouts: workday_seq(拨付 day) −
-- workday_seq(审核通过 day)); payouts outside the calendar are not counted.
-- Rows belong to the quarter by `quarter` (拨付时间).
-- Parameters: $first_quarter, $quarter (the period), $payout_limit_workdays
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without payouts
--   n_cases    payouts behind the value
select
    unit_code,
    100.0 * avg((workdays <= $payout_limit_workdays)::int) as value,
    count(*) as n_cases
from shared.policy_payouts
where quarter between $first_quarter and $quarter and workdays is not null
group by unit_code
order by unit_code
