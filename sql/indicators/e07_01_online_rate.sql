-- E07_01 政务服务网办率（单位：%；越大越好）
-- Share (%) of all the quarter's completed cases handled online (is_online).
-- Rows belong to the quarter by the warehouse column `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without cases
--   n_cases    warehouse rows behind the value
with cases as (
    select region_code, is_online
    from warehouse.approval_cases
    where quarter = $quarter
),

flagged as (
    select
        region_code,
        case when is_online then 1.0 else 0.0 end as hit
    from cases
    where is_online is not null
),

final as (
    select
        region_code as unit_code,
        100.0 * avg(hit) as value,
        count(*) as n_cases
    from flagged
    group by region_code
)

select * from final order by unit_code
