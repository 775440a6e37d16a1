-- Firms' satisfaction with each department in one quarter.
-- Columns: department, responses, mean_overall (1-5), dissatisfied (responses with
-- 总体满意度 <= $dissatisfied_at_most), mean_attitude, mean_efficiency, mean_policy,
-- mean_integrity (the four sub-scores 服务态度, 办事效率, 政策落实, 廉洁自律, 1-5; null when
-- none answered).
with responses as (
    select
        rated_dept, score_overall, score_attitude, score_efficiency, score_policy,
        score_integrity
    from warehouse.satisfaction_responses
    where quarter = $quarter and rated_dept is not null and score_overall is not null
),

final as (
    select
        rated_dept as department,
        count(*) as responses,
        avg(score_overall) as mean_overall,
        count(*) filter (where score_overall <= $dissatisfied_at_most) as dissatisfied,
        avg(score_attitude) as mean_attitude,
        avg(score_efficiency) as mean_efficiency,
        avg(score_policy) as mean_policy,
        avg(score_integrity) as mean_integrity
    from responses
    group by rated_dept
)

select * from final
order by department
