-- E10_01 亮黄灯企业占比（单位：%；越小越好）
-- Year to date: among the firms inspected from Q1 of the quarter's year through $quarter,
-- the share (%) whose number of inspections (by any department) is at least
-- $inspection_yellow_at and below $inspection_red_at (framework parameters; default 2 and 3).
-- A firm belongs to the unit of its latest inspection in the period. The count spans the
-- year's earlier quarters in the warehouse (the contract's lookback_quarters).
-- Parameters: $quarter, $year_start_quarter, $inspection_yellow_at, $inspection_red_at
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without inspected firms
--   n_cases    firms inspected in the year to date behind the value
with inspections as (
    select credit_code, region_code, inspected_on, inspection_id
    from warehouse.inspections
    where quarter between $year_start_quarter and $quarter and credit_code is not null
),

firms as (
    select
        credit_code,
        arg_max(region_code, inspected_on) as region_code,
        count(*) as n_inspections
    from inspections
    group by credit_code
),

final as (
    select
        region_code as unit_code,
        100.0 * avg(
            case
                when
                    n_inspections >= $inspection_yellow_at
                    and n_inspections < $inspection_red_at then 1.0
                else 0.0
            end
        ) as value,
        count(*) as n_cases
    from firms
    group by region_code
)

select * from final order by unit_code
