-- E10_01 亮黄灯企业占比（单位：%；越小越好）
-- Year to date: among the firms inspected from Q1 of the quarter's year through $quarter,
-- the share (%) whose number of inspections (by any department) is at least
-- $inspection_yellow_at and below $inspection_red_at (framework parameters; default 2 and 3).
-- A firm belongs to the unit of its latest inspection in the period. The count spans the
-- year's earlier quarters in the warehouse (the contract's lookback_quarters); firms from
-- the shared layer (shared.inspected_firms).
-- Parameters: $quarter, $year_start_quarter, $inspection_yellow_at, $inspection_red_at
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without inspected firms
--   n_cases    firms inspected in the year to date behind the value
select
    unit_code,
    100.0 * avg(
        (n_inspections >= $inspection_yellow_at and n_inspections < $inspection_red_at)::int
    ) as value,
    count(*) as n_cases
from shared.inspected_firms
where from_quarter = $year_start_quarter and to_quarter = $quarter
group by unit_code
order by unit_code
