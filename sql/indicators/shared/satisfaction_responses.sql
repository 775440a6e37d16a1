-- shared.satisfaction_responses: warehouse.satisfaction_responses, one row per questionnaire
-- (all quarters; leaves filter on `quarter`). A firm is counted in the unit of its own
-- region_code, whatever department it rated.
-- One firm, one voice: firm_weight = 1 / (the firm's answered questionnaires on the same
-- department in the quarter), so that a weighted mean over a unit's rows is the mean over its
-- (firm, rated department) pairs of each pair's mean: a firm that files 6 questionnaires on
-- a department weighs as much as one that files 1.
-- Columns:
--   quarter        partition, e.g. 2025Q2
--   unit_code      区划代码 of the firm's unit (warehouse region_code)
--   credit_code    统一社会信用代码 of the firm
--   rated_dept     评价部门
--   score_overall  总体满意度 1–5
--   satisfied      score_overall >= 4 (满意 or 非常满意; null when not answered)
--   firm_weight    1 / answered questionnaires of the same firm on the same department in
--                  the quarter (null when score_overall is not answered)
create or replace view shared.satisfaction_responses as
with responses as (
    select quarter, region_code, credit_code, rated_dept, score_overall
    from warehouse.satisfaction_responses
),

final as (
    select
        quarter,
        region_code as unit_code,
        credit_code,
        rated_dept,
        score_overall,
        score_overall >= 4 as satisfied,
        case
            when score_overall is not null
                then
                    1.0 / count(score_overall) over (
                        partition by quarter, region_code, credit_code, rated_dept
                    )
        end as firm_weight
    from responses
)

select * from final
