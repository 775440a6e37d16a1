-- Firms' satisfaction with each department in every quarter from $first_quarter to
-- $last_quarter (the annual report's 部门年度满意度).
--   quarter       e.g. 2024Q3
--   department    rated department
--   responses     responses with an overall score
--   mean_overall  mean 总体满意度 (1–5)
--   dissatisfied  responses with 总体满意度 <= $dissatisfied_at_most
with responses as (
    select quarter, rated_dept, score_overall
    from warehouse.satisfaction_responses
    where
        quarter between $first_quarter and $last_quarter
        and rated_dept is not null
        and score_overall is not null
),

final as (
    select
        quarter,
        rated_dept as department,
        count(*) as responses,
        avg(score_overall) as mean_overall,
        count(*) filter (where score_overall <= $dissatisfied_at_most) as dissatisfied
    from responses
    group by quarter, rated_dept
)

select * from final
order by quarter, department
