-- Inspections of one quarter by 执法部门, and how many of them fell on firms that are lit
-- (亮灯: at least $yellow_at inspections in the year to date, as in 亮灯清单).
-- Columns:
--   department       执法部门
--   inspections      the department's inspections in $quarter
--   lit_inspections  of those, inspections of firms lit in the year to date
--   lit_firms        distinct lit firms the department inspected in the year to date
with year_to_date as (
    select
        credit_code,
        inspecting_dept,
        quarter
    from warehouse.inspections
    where quarter between $year_start_quarter and $quarter and credit_code is not null
),

lit as (
    select credit_code
    from year_to_date
    group by credit_code
    having count(*) >= $yellow_at
),

final as (
    select
        y.inspecting_dept as department,
        count(*) filter (where y.quarter = $quarter) as inspections,
        count(*) filter (where y.quarter = $quarter and l.credit_code is not null)
            as lit_inspections,
        count(distinct l.credit_code) as lit_firms
    from year_to_date as y
    left join lit as l on y.credit_code = l.credit_code
    group by y.inspecting_dept
)

select * from final
order by lit_firms desc, inspections desc, department asc
