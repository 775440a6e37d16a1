-- E06_01 各项贷款余额同比增速（单位：%；越大越好）
-- Year-on-year growth (%) of 各项贷款余额 at the quarter's last month-end:
-- 100 × (balance at the end of $quarter / balance at the end of $year_ago_quarter − 1).
-- Needs the same quarter of the previous year in the warehouse; otherwise no row.
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $quarter, $year_ago_quarter (e.g. 2025Q2, 2024Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage (double); no row for a unit without both month-end rows
--   n_cases    warehouse rows behind the value
select c.unit_code, 100.0 * (c.total_loans_100m / b.total_loans_100m - 1.0) as value, 2 as n_cases
from shared.loan_balances as c
inner join shared.loan_balances as b on c.unit_code = b.unit_code and b.is_quarter_end
where
    c.quarter = $quarter and b.quarter = $year_ago_quarter and c.is_quarter_end
    and c.total_loans_100m is not null and b.total_loans_100m > 0
