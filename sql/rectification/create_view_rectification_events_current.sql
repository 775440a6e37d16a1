-- scores.rectification_events_current: the latest version of each (task, quarter) event
-- that is not withdrawn: what is known now. Columns as scores.rectification_events.
create or replace view scores.rectification_events_current as
with versions as (
    select
        *,
        row_number() over (partition by task_id, quarter order by version desc) as newest
    from scores.rectification_events
),

final as (
    select * exclude (newest)
    from versions
    where newest = 1 and not withdrawn
)

select * from final
