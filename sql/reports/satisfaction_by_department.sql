-- Firms' satisfaction with each department in one quarter.
-- Columns: department, responses, mean_overall (1-5), dissatisfied (responses with
-- 总体满意度 <= $dissatisfied_at_most).
with responses as (
    select rated_dept, score_overall
    from warehouse.satisfaction_responses
    where quarter = $quarter and rated_dept is not null and score_overall is not null
),

final as (
    select
        rated_dept as department,
        count(*) as responses,
        avg(score_overall) as mean_overall,
        count(*) filter (where score_overall <= $dissatisfied_at_most) as dissatisfied
    from responses
    group by rated_dept
)

select * from final
order by department
