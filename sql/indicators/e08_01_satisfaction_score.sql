-- E08_01 企业满意度得分（单位：分；越大越好）
-- Mean 总体满意度 (score_overall, 1–5) × 20 of the quarter's questionnaires from firms
-- of the unit (region_code of the firm; all rated departments), on a 0–100 scale.
-- Rows belong to the quarter by the warehouse column `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      score 20–100 (double); no row for a unit without questionnaires
--   n_cases    warehouse rows behind the value
with cases as (
    select region_code, score_overall
    from warehouse.satisfaction_responses
    where quarter = $quarter
),

final as (
    select
        region_code as unit_code,
        20.0 * avg(score_overall) as value,
        count(score_overall) as n_cases
    from cases
    group by region_code
)

select * from final order by unit_code
