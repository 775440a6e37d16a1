-- E07_04 政务服务平均申请材料数（单位：件；越小越好）
-- Mean 申请材料数 (material_count) of all the quarter's completed cases.
-- Rows belong to the quarter by the warehouse column `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      mean number of documents (double); no row for a unit without cases
--   n_cases    warehouse rows behind the value
with cases as (
    select region_code, material_count
    from warehouse.approval_cases
    where quarter = $quarter
),

final as (
    select
        region_code as unit_code,
        avg(material_count) as value,
        count(material_count) as n_cases
    from cases
    group by region_code
)

select * from final order by unit_code
