-- shared.loan_balances: warehouse.loan_balances, one row per unit and month (all quarters;
-- leaves filter on `quarter`), with the quarter-end month (03/06/09/12) flagged.
-- Columns:
--   quarter                   partition, e.g. 2025Q2
--   unit_code                 区划代码 of the unit (warehouse region_code)
--   stat_month                统计月份 YYYY-MM
--   is_quarter_end            true for the quarter's last month (03/06/09/12)
--   total_loans_100m          各项贷款余额 (100 million yuan)
--   manufacturing_loans_100m  制造业贷款余额 (100 million yuan)
--   inclusive_sme_loans_100m  普惠小微贷款余额 (100 million yuan)
--   inclusive_sme_rate_pct    新发放普惠小微贷款加权平均利率 (%)
--   new_sme_loans_100m        新发放普惠小微贷款金额 (100 million yuan; optional, may be null)
--   rate_weight_100m          new_sme_loans_100m where the month has a rate, else null
create or replace view shared.loan_balances as
with balances as (
    select
        quarter, region_code, stat_month, total_loans_100m, manufacturing_loans_100m,
        inclusive_sme_loans_100m, inclusive_sme_rate_pct, new_sme_loans_100m
    from warehouse.loan_balances
),

final as (
    select
        quarter,
        region_code as unit_code,
        stat_month,
        cast(right(stat_month, 2) as integer) % 3 = 0 as is_quarter_end,
        total_loans_100m,
        manufacturing_loans_100m,
        inclusive_sme_loans_100m,
        inclusive_sme_rate_pct,
        new_sme_loans_100m,
        case when inclusive_sme_rate_pct is not null then new_sme_loans_100m end as rate_weight_100m
    from balances
)

select * from final
