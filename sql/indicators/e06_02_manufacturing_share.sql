-- E06_02 制造业贷款占比（单位：%；越大越好）
-- Share (%) of 制造业贷款余额 in 各项贷款余额 at the quarter's last month-end.
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without a month-end row
--   n_cases    warehouse rows behind the value
select
    unit_code,
    100.0 * manufacturing_loans_100m / total_loans_100m as value,
    1 as n_cases
from shared.loan_balances
where
    quarter = $quarter and is_quarter_end
    and manufacturing_loans_100m is not null and total_loans_100m > 0
