-- E06_04 新发放普惠小微贷款平均利率（单位：%；越小越好）
-- The quarter's 新发放普惠小微贷款加权平均利率: the months' rates (inclusive_sme_rate_pct)
-- weighted by the months' 新发放普惠小微贷款金额 (new_sme_loans_100m) when every month with a
-- rate has an amount and they sum to more than 0 (a weighted average of weighted averages is
-- the quarter's weighted average); otherwise, as before the column existed, their plain mean.
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage (double); no row for a unit without monthly rows
--   n_cases    warehouse rows behind the value
select
    unit_code,
    case
        when
            count(rate_weight_100m) = count(inclusive_sme_rate_pct)
            and sum(rate_weight_100m) > 0
            then
                sum(rate_weight_100m * inclusive_sme_rate_pct)
                / sum(rate_weight_100m)
        else avg(inclusive_sme_rate_pct)
    end as value,
    count(inclusive_sme_rate_pct) as n_cases
from shared.loan_balances
where quarter between $first_quarter and $quarter
group by unit_code
