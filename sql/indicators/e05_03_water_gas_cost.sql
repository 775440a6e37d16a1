-- E05_03 用水用气平均接入费用（单位：元；越小越好）
-- Mean 接入费用 (connection_fee_yuan, zero included) of the quarter's water and gas
-- connections.
-- Rows belong to the quarter by the warehouse column `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      mean fee in yuan (double); no row for a unit without 用水/用气 connections
--   n_cases    warehouse rows behind the value
with cases as (
    select region_code, connection_fee_yuan
    from warehouse.utility_connections
    where quarter = $quarter
        and utility_type in ('用水', '用气')
),

final as (
    select
        region_code as unit_code,
        avg(connection_fee_yuan) as value,
        count(connection_fee_yuan) as n_cases
    from cases
    group by region_code
)

select * from final order by unit_code
