-- E06_03 普惠小微贷款余额环比增速（单位：%；越大越好）
-- Quarter-on-quarter growth (%) of 普惠小微贷款余额 at the quarter's last month-end:
-- 100 × (balance at the end of $quarter / balance at the end of $previous_quarter − 1).
-- Needs the previous quarter in the warehouse; otherwise no row.
-- Rows belong to the quarter by the warehouse column `quarter`.
-- Parameters: $quarter, $previous_quarter (e.g. 2025Q2, 2025Q1)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage (double); no row for a unit without both month-end rows
--   n_cases    warehouse rows behind the value
with month_ends as (
    -- quarter-end rows (month 03/06/09/12) of the two quarters compared
    select quarter, region_code, inclusive_sme_loans_100m as balance
    from warehouse.loan_balances
    where quarter in ($quarter, $previous_quarter)
        and cast(right(stat_month, 2) as integer) % 3 = 0
        and inclusive_sme_loans_100m is not null
),

current_balance as (
    select region_code, balance from month_ends where quarter = $quarter
),

base_balance as (
    select region_code, balance from month_ends where quarter = $previous_quarter and balance > 0
),

final as (
    select
        c.region_code as unit_code,
        100.0 * (c.balance / b.balance - 1.0) as value,
        2 as n_cases
    from current_balance as c
    inner join base_balance as b on b.region_code = c.region_code
)

select * from final order by unit_code
