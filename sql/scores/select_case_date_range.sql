-- First and last day of the case timestamps the duration indicators of $quarter read
-- (approval_cases accepted_at/completed_at, utility_connections applied_at/connected_at):
-- the range the working-day calendar must cover.
--   first_day  earliest date (null if the quarter has no such rows)
--   last_day   latest date
with case_days as (
    select cast(accepted_at as date) as started, cast(completed_at as date) as finished
    from warehouse.approval_cases
    where quarter = $quarter
    union all
    select cast(applied_at as date) as started, cast(connected_at as date) as finished
    from warehouse.utility_connections
    where quarter = $quarter
),

final as (
    select
        least(min(started), min(finished)) as first_day,
        greatest(max(started), max(finished)) as last_day
    from case_days
)

select * from final
