-- The latest quarter with a current rectification event: one row, `quarter` (null if none).
with final as (
    select max(quarter) as quarter from scores.rectification_events_current
)

select * from final
