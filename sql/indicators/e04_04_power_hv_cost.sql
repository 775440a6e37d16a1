-- E04_04 高压用户平均接入费用（单位：元/千瓦；越小越好）
-- Connection fees per kW of the quarter's high-voltage connections:
-- sum(connection_fee_yuan) / sum(capacity_kw).
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      yuan per kW (double); no row for a unit without 高压 connections
--   n_cases    warehouse rows behind the value
select
    unit_code,
    sum(connection_fee_yuan) / nullif(sum(capacity_kw), 0) as value,
    count(*) as n_cases
from shared.utility_connections
where
    quarter between $first_quarter and $quarter and utility_type = '电力' and customer_class = '高压'
    and connection_fee_yuan is not null and capacity_kw is not null
group by unit_code
