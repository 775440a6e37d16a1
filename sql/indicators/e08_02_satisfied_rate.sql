-- E08_02 企业满意率（单位：%；越大越好）
-- Firm-weighted share (%) of the quarter's questionnaires from firms of the unit with 总体满意度
-- (score_overall) ≥ 4 (满意 or 非常满意): the mean over (firm, rated department) pairs of each
-- pair's share (shared.satisfaction_responses.firm_weight). Replaces 企业不满意率 (≤ 2), which
-- was 0 for 45 of the demo's 60 unit-quarters: see docs/indicators.md.
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without questionnaires
--   n_cases    warehouse rows (questionnaires) behind the value
select
    unit_code,
    100.0 * sum(firm_weight * satisfied::int) / sum(firm_weight) as value,
    count(satisfied) as n_cases
from shared.satisfaction_responses
where quarter between $first_quarter and $quarter
group by unit_code
