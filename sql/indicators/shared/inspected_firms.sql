-- shared.inspected_firms: the firms inspected in a year to date (亮灯 counts), one row per
-- (to_quarter, firm): the firms of warehouse.inspections inspected from Q1 of a year
-- (from_quarter) through each of its quarters (to_quarter), by any department, with the
-- number of those inspections. A firm belongs to the unit of its latest inspection in the
-- period. Inspections without 统一社会信用代码 are not counted. Leaves filter on
-- from_quarter = $year_start_quarter and to_quarter = $quarter; the earlier quarters are
-- in the warehouse by the contract's lookback_quarters.
-- Columns:
--   from_quarter   Q1 of the year, e.g. 2025Q1
--   to_quarter     the last quarter counted, e.g. 2025Q3
--   credit_code    统一社会信用代码 of the firm
--   unit_code      区划代码 of the unit of the firm's latest inspection in the period
--   n_inspections  inspections of the firm from from_quarter through to_quarter
create or replace view shared.inspected_firms as
with inspections as (
    select quarter, credit_code, region_code, inspected_on
    from warehouse.inspections
    where credit_code is not null
),

periods as (
    select distinct
        left(i.quarter, 4) || 'Q1' as from_quarter,
        left(i.quarter, 4) || 'Q' || q.q as to_quarter
    from inspections as i
    cross join (values (1), (2), (3), (4)) as q (q)
),

final as (
    select
        p.from_quarter,
        p.to_quarter,
        i.credit_code,
        arg_max(i.region_code, i.inspected_on) as unit_code,
        count(*) as n_inspections
    from periods as p
    inner join inspections as i
        on i.quarter between p.from_quarter and p.to_quarter
    group by p.from_quarter, p.to_quarter, i.credit_code
)

select * from final
