-- Error counts per rule of every rejected version of one quarter.
-- Columns: source, submission_hash, rule, errors.
with rejected as (
    select source, submission_hash
    from intake.submissions
    where quarter = $quarter and status = 'rejected'
),

errors as (
    select e.source, e.submission_hash, e.rule
    from intake.validation_errors as e
    inner join rejected as r on e.source = r.source and e.submission_hash = r.submission_hash
    where e.quarter = $quarter
),

final as (
    select source, submission_hash, rule, count(*) as errors
    from errors
    group by source, submission_hash, rule
)

select * from final
order by source asc, submission_hash asc, errors desc, rule asc
