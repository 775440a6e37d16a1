-- One year of scores.annual_rankings, best first (previews, checks).
--   year, unit_code, unit_name, quarters_scored, complete, annual_score, annual_rank,
--   previous_rank, rank_change, list_place, grade
with stored as (
    select
        year, unit_code, unit_name, quarters_scored, complete, annual_score, annual_rank,
        previous_rank, rank_change, list_place, grade
    from scores.annual_rankings
),

final as (
    select * from stored
    where year = $year
    order by annual_rank nulls last, unit_code
)

select * from final
