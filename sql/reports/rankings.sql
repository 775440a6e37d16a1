-- Every quarter's rankings (trend over all quarters; the bulletin's quarter is filtered in
-- Python). Columns: quarter, unit_code, unit_name, total_score (unrounded), rank,
-- previous_rank, previous_score, rank_change (previous_rank − rank), score_change
-- (total_score − previous_score, unrounded); the last four null in a unit's first quarter.
with final as (
    select
        quarter,
        unit_code,
        unit_name,
        total_score,
        rank,
        previous_rank,
        previous_score,
        rank_change,
        score_change
    from scores.rankings
    where quarter <= $quarter
)

select * from final
order by quarter, rank, unit_code
