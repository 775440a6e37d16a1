-- E20_01 12345热线涉企工单按时办结率 (%): tickets closed on time / tickets closed, per unit.
-- Columns: unit_code, value (percent), n_cases (tickets closed in the quarter).
with tickets as (
    select
        region_code,
        closed_on_time
    from warehouse.hotline_tickets
    where quarter = $quarter
),

final as (
    select
        region_code as unit_code,
        100.0 * avg(case when closed_on_time then 1.0 else 0.0 end) as value,
        count(*) as n_cases
    from tickets
    group by region_code
)

select * from final
