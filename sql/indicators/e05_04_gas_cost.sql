-- E05_04 用气报装平均接入费用（单位：元；越小越好）
-- Mean 接入费用 (connection_fee_yuan, zero included) of the quarter's gas (用气) connections.
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      mean fee in yuan (double); no row for a unit without 用气 connections
--   n_cases    warehouse rows behind the value
select unit_code, avg(connection_fee_yuan) as value, count(connection_fee_yuan) as n_cases
from shared.utility_connections
where quarter between $first_quarter and $quarter and utility_type = '用气'
group by unit_code
