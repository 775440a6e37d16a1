-- E08_02 企业不满意率（单位：%；越小越好）
-- Share (%) of the quarter's questionnaires from firms of the unit with 总体满意度
-- (score_overall) ≤ 2 (不满意 or 非常不满意).
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without questionnaires
--   n_cases    warehouse rows behind the value
select unit_code, 100.0 * avg(dissatisfied::int) as value, count(dissatisfied) as n_cases
from shared.satisfaction_responses
where quarter = $quarter
group by unit_code
