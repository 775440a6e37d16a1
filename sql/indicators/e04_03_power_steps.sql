-- E04_03 获得电力平均办理环节（单位：个；越小越好）
-- Mean 办理环节数 (step_count) of the quarter's electricity connections (高压 and 低压).
-- Rows belong to the quarter by the warehouse column `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      mean number of steps (double); no row for a unit without electricity connections
--   n_cases    warehouse rows behind the value
with cases as (
    select region_code, step_count
    from warehouse.utility_connections
    where quarter = $quarter
        and utility_type = '电力'
),

final as (
    select
        region_code as unit_code,
        avg(step_count) as value,
        count(step_count) as n_cases
    from cases
    group by region_code
)

select * from final order by unit_code
