-- What was known at $as_of about the events of $quarter: for each task, the newest version
-- written at or before $as_of, unless it was a withdrawal.
--   (all columns of scores.rectification_events)
with versions as (
    select
        *,
        row_number() over (partition by task_id order by version desc) as newest
    from scores.rectification_events
    where quarter = $quarter and computed_at <= cast($as_of as timestamptz)
),

final as (
    select * exclude (newest)
    from versions
    where newest = 1 and not withdrawn
    order by task_id
)

select * from final
