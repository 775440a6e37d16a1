-- One quarter of scores.rank_uncertainty, best nominal rank first (previews, reports).
--   quarter, unit_code, unit_name, nominal_score, nominal_rank, median_rank, rank_p05,
--   rank_p95, share_nominal_rank, list_place, share_list_place, replications, seed, design
with stored as (
    select
        quarter, unit_code, unit_name, nominal_score, nominal_rank, median_rank, rank_p05,
        rank_p95, share_nominal_rank, list_place, share_list_place, replications, seed,
        design
    from scores.rank_uncertainty
),

final as (
    select * from stored
    where quarter = $quarter
    order by nominal_rank, unit_code
)

select * from final
