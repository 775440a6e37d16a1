-- E07_02 “最多跑一次”办件占比（单位：%；越大越好）
-- Share (%) of all the quarter's completed cases with 跑动次数 (visit_count) ≤ 1.
-- Rows belong to the quarter by the warehouse column `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without cases
--   n_cases    warehouse rows behind the value
with cases as (
    select region_code, visit_count
    from warehouse.approval_cases
    where quarter = $quarter
),

flagged as (
    select
        region_code,
        case when visit_count <= 1 then 1.0 else 0.0 end as hit
    from cases
    where visit_count is not null
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
