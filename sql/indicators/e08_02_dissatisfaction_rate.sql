-- E08_02 企业不满意率（单位：%；越小越好）
-- Share (%) of the quarter's questionnaires from firms of the unit with 总体满意度
-- (score_overall) ≤ 2 (不满意 or 非常不满意).
-- Rows belong to the quarter by the warehouse column `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without questionnaires
--   n_cases    warehouse rows behind the value
with cases as (
    select region_code, score_overall
    from warehouse.satisfaction_responses
    where quarter = $quarter
),

flagged as (
    select
        region_code,
        case when score_overall <= 2 then 1.0 else 0.0 end as hit
    from cases
    where score_overall is not null
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
