-- 亮灯清单: firms inspected at least $yellow_at times (by any department) in the calendar
-- year to date ($year_start_quarter through $quarter), the indicator E10's definition.
-- Columns:
--   credit_code   统一社会信用代码
--   firm_name     企业名称 (of the latest inspection)
--   unit_code     区划代码 of the latest inspection (the firm's unit, as in E10_01)
--   inspections   number of inspections in the period
--   light         '红灯' (≥ $red_at) or '黄灯'
--   departments   执法部门, distinct, in order of first inspection, joined by '、'
--   dates         检查日期 (YYYY-MM-DD) in order, joined by '、'
with inspections as (
    select
        credit_code,
        firm_name,
        region_code,
        inspecting_dept,
        inspected_on,
        inspection_id
    from warehouse.inspections
    where quarter between $year_start_quarter and $quarter and credit_code is not null
),

lit_codes as (
    -- the firms on the list, counted first: the ordered aggregates below run on them only
    select credit_code
    from inspections
    group by credit_code
    having count(*) >= $yellow_at  -- noqa: RF02
),

lit_inspections as (
    select i.*
    from inspections as i
    semi join lit_codes as l on i.credit_code = l.credit_code
),

firms as (
    select
        credit_code,
        arg_max(firm_name, inspected_on) as firm_name,
        arg_max(region_code, inspected_on) as unit_code,
        count(*) as inspections,
        string_agg(strftime(inspected_on, '%Y-%m-%d'), '、' order by inspected_on, inspection_id)
            as dates
    from lit_inspections
    group by credit_code
),

first_visits as (
    select
        credit_code,
        inspecting_dept,
        min(inspected_on) as first_on
    from lit_inspections
    group by credit_code, inspecting_dept
),

departments as (
    select
        credit_code,
        string_agg(inspecting_dept, '、' order by first_on, inspecting_dept) as departments
    from first_visits
    group by credit_code
),

final as (
    select
        f.credit_code,
        f.firm_name,
        f.unit_code,
        f.inspections,
        case when f.inspections >= $red_at then '红灯' else '黄灯' end as light,  -- noqa: RF02
        d.departments,
        f.dates
    from firms as f
    inner join departments as d on f.credit_code = d.credit_code
)

select * from final
order by inspections desc, unit_code asc, credit_code asc
