-- The version a run stages for a source/quarter:
--   1. the newest received version not yet in force that has not failed (a new, corrected or
--      re-sent file, received or validated but not yet promoted), else
--   2. the version in force (latest accepted), so a quarter can be rebuilt after a rejected
--      correction without re-validating the rejected file, else
--   3. the newest version (e.g. every version was rejected: validate it again, fail again).
-- "Newest received" is the version's latest receipt (intake.receipts: when intake first saw
-- it, then the file's modification time); versions without receipts use received_at.
with versions as (
    select
        submission_hash,
        file_name,
        archive_path,
        received_at,
        status,
        loaded_at
    from intake.submissions
    where source = $source and quarter = $quarter
),

receipts as (
    select
        submission_hash,
        seen_at,
        file_mtime_ns
    from intake.receipts
    where source = $source and quarter = $quarter
    qualify row_number() over (
        partition by submission_hash order by seen_at desc, file_mtime_ns desc
    ) = 1
),

ranked as (
    select
        v.*,
        coalesce(r.seen_at, v.received_at) as last_seen_at,
        coalesce(r.file_mtime_ns, epoch_ns(v.received_at)) as last_mtime_ns,
        case
            when v.status in ('received', 'validated') then 1
            when v.status = 'accepted' then 2
            else 3
        end as preference
    from versions as v
    left join receipts as r on v.submission_hash = r.submission_hash
),

final as (
    select
        submission_hash,
        file_name,
        archive_path,
        received_at,
        status
    from ranked
    order by
        preference asc,
        case when preference = 2 then loaded_at end desc nulls last,
        last_seen_at desc,
        last_mtime_ns desc,
        received_at desc,
        file_name desc
    limit 1
)

select * from final
