-- The version a run stages for a source/quarter:
--   1. the newest version not yet in force that has not failed (a new or corrected file,
--      received or validated but not yet promoted), else
--   2. the version in force (latest accepted), so a quarter can be rebuilt after a rejected
--      correction without re-validating the rejected file, else
--   3. the newest version (e.g. every version was rejected: validate it again, fail again).
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

ranked as (
    select
        *,
        case
            when status in ('received', 'validated') then 1
            when status = 'accepted' then 2
            else 3
        end as preference
    from versions
),

final as (
    select submission_hash, file_name, archive_path, received_at, status
    from ranked
    order by preference asc, loaded_at desc nulls last, received_at desc, file_name desc
    limit 1
)

select * from final
