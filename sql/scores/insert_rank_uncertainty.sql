-- Insert one quarter's rank intervals from the registered frame `rank_uncertainty_rows`
-- (RobustnessResult.units: unit_code, unit_name, nominal_score, nominal_rank, median_rank,
-- rank_p05, rank_p95, share_nominal_rank, list_place, share_list_place); runs after
-- delete_rank_uncertainty in the same transaction.
insert into scores.rank_uncertainty
with result_rows as (
    select
        unit_code, unit_name, nominal_score, nominal_rank, median_rank, rank_p05, rank_p95,
        share_nominal_rank, list_place, share_list_place
    from rank_uncertainty_rows
),

final as (
    select
        $quarter as quarter,
        cast(unit_code as varchar) as unit_code,
        cast(unit_name as varchar) as unit_name,
        cast(nominal_score as double) as nominal_score,
        cast(nominal_rank as integer) as nominal_rank,
        cast(median_rank as integer) as median_rank,
        cast(rank_p05 as integer) as rank_p05,
        cast(rank_p95 as integer) as rank_p95,
        cast(share_nominal_rank as double) as share_nominal_rank,
        coalesce(cast(list_place as varchar), '') as list_place,
        cast(share_list_place as double) as share_list_place,
        cast($replications as integer) as replications,
        cast($seed as bigint) as seed,
        cast($design as varchar) as design
    from result_rows
)

select * from final
