-- Every registered version of one source/quarter for the portal's status page, oldest first.
--   submission_hash, file_name, received_at, status, error_count, failing_rows
--   report_html, report_csv   rejection report paths (rejected versions only)
--   in_force                  true for the version in intake.submissions_in_force
with versions as (
    select * from intake.submissions
    where source = $source and quarter = $quarter
),

in_force as (
    select submission_hash from intake.submissions_in_force
    where source = $source and quarter = $quarter
),

final as (
    select
        v.submission_hash,
        v.file_name,
        v.received_at,
        v.status,
        v.error_count,
        v.failing_rows,
        v.report_html,
        v.report_csv,
        f.submission_hash is not null as in_force
    from versions as v
    left join in_force as f on v.submission_hash = f.submission_hash
)

select * from final
order by received_at, file_name
