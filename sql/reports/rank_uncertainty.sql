-- How sure each unit's rank is in the bulletin's quarter (综合排名 chart and sentence,
-- 红黑榜 notes, method appendix). Columns: unit_code, nominal_rank, median_rank, rank_p05,
-- rank_p95, share_nominal_rank (0–1), list_place (red/black/''), share_list_place (0–1),
-- replications, seed, design (the uncertain inputs in Chinese).
with stored as (
    select
        quarter, unit_code, nominal_rank, median_rank, rank_p05, rank_p95, share_nominal_rank,
        list_place, share_list_place, replications, seed, design
    from scores.rank_uncertainty
),

final as (
    select
        unit_code, nominal_rank, median_rank, rank_p05, rank_p95, share_nominal_rank,
        list_place, share_list_place, replications, seed, design
    from stored
    where quarter = $quarter
)

select * from final
order by nominal_rank, unit_code
