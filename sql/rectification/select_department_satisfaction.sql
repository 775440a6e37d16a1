-- Firms' satisfaction with each department in $quarter (warehouse.satisfaction_responses),
-- 1–5 scores as 0–100 (× 20).
--   department, responses, overall, attitude (服务态度), efficiency (办事效率),
--   policy (政策落实), integrity (廉洁自律)
with responses as (
    select
        rated_dept,
        score_overall,
        score_attitude,
        score_efficiency,
        score_policy,
        score_integrity
    from warehouse.satisfaction_responses
    where quarter = $quarter
),

final as (
    select
        rated_dept as department,
        count(*) as responses,
        avg(score_overall) * 20 as overall,
        avg(score_attitude) * 20 as attitude,
        avg(score_efficiency) * 20 as efficiency,
        avg(score_policy) * 20 as policy,
        avg(score_integrity) * 20 as integrity
    from responses
    group by rated_dept
)

select * from final
