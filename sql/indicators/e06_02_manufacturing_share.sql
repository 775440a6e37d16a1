-- E06_02 制造业贷款占比（单位：%；越大越好）
-- Share (%) of 制造业贷款余额 in 各项贷款余额 at the quarter's last month-end.
-- Rows belong to the quarter by the warehouse column `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without a month-end row
--   n_cases    warehouse rows behind the value
with month_end as (
    -- the quarter-end row (month 03/06/09/12) of each unit
    select region_code, manufacturing_loans_100m, total_loans_100m
    from warehouse.loan_balances
    where quarter = $quarter
        and cast(right(stat_month, 2) as integer) % 3 = 0
        and manufacturing_loans_100m is not null
        and total_loans_100m > 0
),

final as (
    select
        region_code as unit_code,
        100.0 * manufacturing_loans_100m / total_loans_100m as value,
        1 as n_cases
    from month_end
)

select * from final order by unit_code
