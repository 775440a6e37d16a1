-- E08_01 企业满意度得分（单位：分；越大越好）
-- Mean 总体满意度 (score_overall, 1–5) × 20 of the quarter's questionnaires from firms
-- of the unit (region_code of the firm; all rated departments), on a 0–100 scale.
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      score 20–100 (double); no row for a unit without questionnaires
--   n_cases    warehouse rows behind the value
select unit_code, 20.0 * avg(score_overall) as value, count(score_overall) as n_cases
from shared.satisfaction_responses
where quarter = $quarter
group by unit_code
