-- Current events per quarter and outcome (the demo's summary).
--   quarter, outcome, n
with events as (
    select quarter, outcome from scores.rectification_events_current
),

final as (
    select quarter, outcome, count(*) as n
    from events
    group by quarter, outcome
    order by quarter, outcome
)

select * from final
