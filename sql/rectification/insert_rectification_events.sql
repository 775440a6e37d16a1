-- Append event versions from the registered frame `rectification_event_rows` (all columns of
-- scores.rectification_events except computed_at and run_id, bound as $computed_at, $run_id).
insert into scores.rectification_events
with rows as (
    select * from rectification_event_rows
),

final as (
    select
        cast(task_id as varchar) as task_id,
        cast(quarter as varchar) as quarter,
        cast(version as integer) as version,
        cast($computed_at as timestamptz) as computed_at,
        cast($run_id as varchar) as run_id,
        cast(withdrawn as boolean) as withdrawn,
        cast(reported_status as varchar) as reported_status,
        cast(reported_progress as varchar) as reported_progress,
        cast(reported_completed_at as timestamp) as reported_completed_at,
        cast(measured_value as double) as measured_value,
        cast(measured_score as double) as measured_score,
        cast(measured_rank as integer) as measured_rank,
        cast(units_ranked as integer) as units_ranked,
        cast(outcome as varchar) as outcome,
        cast(reason as varchar) as reason,
        cast(fingerprint as varchar) as fingerprint
    from rows
)

select * from final
