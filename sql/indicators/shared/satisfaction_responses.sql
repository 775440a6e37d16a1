-- shared.satisfaction_responses: warehouse.satisfaction_responses, one row per questionnaire
-- (all quarters; leaves filter on `quarter`). A firm is counted in the unit of its own
-- region_code, whatever department it rated.
-- Columns:
--   quarter        partition, e.g. 2025Q2
--   unit_code      区划代码 of the firm's unit (warehouse region_code)
--   credit_code    统一社会信用代码 of the firm
--   rated_dept     评价部门
--   score_overall  总体满意度 1–5
--   dissatisfied   score_overall <= 2 (不满意 or 非常不满意; null when not answered)
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
        score_overall <= 2 as dissatisfied
    from responses
)

select * from final
