-- Every archived version of every source for one quarter, with the version in force marked.
-- Columns: source, submission_hash, file_name, received_at, status, data_rows (null until
-- validation has read the version), error_count, in_force (the latest accepted version),
-- submitted_by (the portal's sender, else null).
with versions as (
    select * from intake.submissions where quarter = $quarter
),

in_force as (
    select source, submission_hash from intake.submissions_in_force where quarter = $quarter
),

final as (
    select
        v.source,
        v.submission_hash,
        v.file_name,
        v.received_at,
        v.status,
        v.data_rows,
        v.error_count,
        f.submission_hash is not null as in_force,
        v.submitted_by
    from versions as v
    left join in_force as f
        on v.source = f.source and v.submission_hash = f.submission_hash
)

select * from final
order by source, received_at, file_name
