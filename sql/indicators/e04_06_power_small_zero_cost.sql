-- E04_06 100千瓦及以下低压小微企业零费用接入率（单位：%；越大越好）
-- Share (%) of the quarter's low-voltage (低压) electricity connections of at most 100 kW
-- (capacity_kw; the 小微企业 the zero-cost policy covers) with 接入费用 (connection_fee_yuan) 0.
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without 低压 connections ≤ 100 kW
--   n_cases    warehouse rows behind the value
select
    unit_code,
    100.0 * avg((connection_fee_yuan = 0)::int) as value,
    count(connection_fee_yuan) as n_cases
from shared.utility_connections
where
    quarter between $first_quarter and $quarter
    and utility_type = '电力' and customer_class = '低压' and capacity_kw <= 100
group by unit_code
