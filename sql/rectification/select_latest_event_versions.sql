-- The newest version (withdrawn or not) of every event of $quarter.
--   task_id, version, withdrawn, fingerprint
with versions as (
    select
        task_id,
        version,
        withdrawn,
        fingerprint,
        row_number() over (partition by task_id order by version desc) as newest
    from scores.rectification_events
    where quarter = $quarter
),

final as (
    select task_id, version, withdrawn, fingerprint
    from versions
    where newest = 1
)

select * from final
