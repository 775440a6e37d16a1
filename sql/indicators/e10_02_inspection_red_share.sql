-- E10_02 亮红灯企业占比（单位：%；越小越好）
-- Year to date: among the firms inspected from Q1 of the quarter's year through $quarter,
-- the share (%) inspected at least $inspection_red_at times (framework parameter; default 3)
-- by any department. A firm belongs to the unit of its latest inspection in the period
-- (firms from the shared layer, shared.inspected_firms).
-- Parameters: $quarter, $year_start_quarter, $inspection_red_at
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without inspected firms
--   n_cases    firms inspected in the year to date behind the value
select
    unit_code,
    100.0 * avg((n_inspections >= $inspection_red_at)::int) as value,
    count(*) as n_cases
from shared.inspected_firms
where from_quarter = $year_start_quarter and to_quarter = $quarter
group by unit_code
order by unit_code
