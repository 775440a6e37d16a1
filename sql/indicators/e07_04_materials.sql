-- E07_04 政务服务平均申请材料数（单位：件；越小越好）
-- Mean 申请材料数 (material_count) of all the quarter's completed cases.
-- Reads the shared layer (sql/indicators/shared/); rows belong to the quarter by `quarter`.
-- Parameters: $quarter (e.g. 2025Q2)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      mean number of documents (double); no row for a unit without cases
--   n_cases    warehouse rows behind the value
select unit_code, avg(material_count) as value, count(material_count) as n_cases
from shared.approval_cases
where quarter = $quarter
group by unit_code
