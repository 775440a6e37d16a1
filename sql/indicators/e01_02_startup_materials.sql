-- E01_02 企业开办平均申请材料数（单位：件；越小越好）
-- Mean 申请材料数 (material_count) of the quarter's 企业开办 cases.
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      mean number of documents (double); no row for a unit without 企业开办 cases
--   n_cases    warehouse rows behind the value
select unit_code, avg(material_count) as value, count(material_count) as n_cases
from shared.approval_cases
where quarter between $first_quarter and $quarter and category = '企业开办'
group by unit_code
