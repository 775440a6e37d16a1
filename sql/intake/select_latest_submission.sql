-- The most recently received version of one source/quarter (by its latest receipt, see
-- select_candidate) and its outcome.
with versions as (
    select *
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

final as (
    select
        v.file_name,
        v.status,
        v.error_count,
        v.report_html,
        v.submission_hash
    from versions as v
    left join receipts as r on v.submission_hash = r.submission_hash
    order by
        coalesce(r.seen_at, v.received_at) desc,
        coalesce(r.file_mtime_ns, epoch_ns(v.received_at)) desc,
        v.received_at desc,
        v.file_name desc
    limit 1
)

select * from final
