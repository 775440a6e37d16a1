-- When each source's submission of each quarter up to $quarter was first received
-- (intake.submissions; the earliest version counts for timeliness).
--   source, quarter, first_received
with versions as (
    select source, quarter, received_at
    from intake.submissions
    where quarter <= $quarter
),

final as (
    select source, quarter, min(received_at) as first_received
    from versions
    group by source, quarter
)

select * from final
