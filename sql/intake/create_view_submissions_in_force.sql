-- intake.submissions_in_force: per source and quarter, the latest accepted version.
create or replace view intake.submissions_in_force as
with accepted as (
    select * from intake.submissions where status = 'accepted'
),

ranked as (
    select
        *,
        row_number() over (
            partition by source, quarter order by loaded_at desc, received_at desc
        ) as version_rank
    from accepted
),

final as (
    select * exclude (version_rank) from ranked where version_rank = 1
)

select * from final
