-- E08_01 企业满意度得分（单位：分；越大越好）
-- 20 × the firm-weighted mean 总体满意度 (score_overall, 1–5, so the score lies in 20–100) of
-- the quarter's questionnaires from firms of the unit (region_code of the firm; all rated
-- departments): the mean over (firm, rated department) pairs of each pair's mean
-- (shared.satisfaction_responses.firm_weight), so that one firm has one voice per department.
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      score 20–100 (double); no row for a unit without questionnaires
--   n_cases    warehouse rows (questionnaires) behind the value
select
    unit_code,
    20.0 * sum(firm_weight * score_overall) / sum(firm_weight) as value,
    count(score_overall) as n_cases
from shared.satisfaction_responses
where quarter between $first_quarter and $quarter
group by unit_code
