-- The first messages (by row) of every rejected version of one quarter.
-- Columns: source, submission_hash, row_number, column_header, message.
with rejected as (
    select source, submission_hash
    from intake.submissions
    where quarter = $quarter and status = 'rejected'
),

numbered as (
    select
        e.source,
        e.submission_hash,
        e.row_number,
        e.column_header,
        e.message,
        row_number() over (
            partition by e.source, e.submission_hash
            order by e.row_number nulls first, e.column_header, e.message
        ) as position
    from intake.validation_errors as e
    inner join rejected as r on e.source = r.source and e.submission_hash = r.submission_hash
    where e.quarter = $quarter
),

final as (
    select source, submission_hash, row_number, column_header, message
    from numbered
    where position <= $limit
)

select * from final
order by source, submission_hash, row_number nulls first, column_header, message
