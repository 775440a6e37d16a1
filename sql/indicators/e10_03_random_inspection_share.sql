-- E10_03 双随机检查占比（单位：%；越大越好）
-- Share (%) of the quarter's inspections with 检查方式 = 双随机一公开.
-- Rows belong to the quarter by the warehouse column `quarter` (检查日期).
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without inspections
--   n_cases    inspections behind the value
with inspections as (
    select region_code, method, is_joint
    from warehouse.inspections
    where quarter between $first_quarter and $quarter
),

final as (
    select
        region_code as unit_code,
        100.0 * avg(case when method = '双随机一公开' then 1.0 else 0.0 end) as value,
        count(*) as n_cases
    from inspections
    group by region_code
)

select * from final order by unit_code
