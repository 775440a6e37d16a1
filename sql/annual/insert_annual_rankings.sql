-- Insert one year's annual evaluation from the registered frame `annual_rows` (columns of
-- scores.annual_rankings without year); runs after delete_annual_rankings in the same
-- transaction.
insert into scores.annual_rankings
with computed as (
    select
        unit_code, unit_name, quarters_scored, complete, annual_score, annual_rank,
        previous_rank, rank_change, list_place, grade
    from annual_rows
),

final as (
    select
        cast($year as integer) as year,
        cast(unit_code as varchar) as unit_code,
        cast(unit_name as varchar) as unit_name,
        cast(quarters_scored as integer) as quarters_scored,
        cast(complete as boolean) as complete,
        cast(annual_score as double) as annual_score,
        cast(annual_rank as integer) as annual_rank,
        cast(previous_rank as integer) as previous_rank,
        cast(rank_change as integer) as rank_change,
        coalesce(cast(list_place as varchar), '') as list_place,
        cast(grade as varchar) as grade
    from computed
)

select * from final
