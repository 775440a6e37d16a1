-- Insert one quarter's rankings: the total (node $root) of indicator_scores with the rank the
-- engine gave the unrounded score, and the previous quarter's rank and score read from
-- scores.rankings (null when that quarter has no rankings). Unit names come from the
-- registered frame `unit_names` (unit_code, unit_name). Runs after delete_rankings in the
-- same transaction.
insert into scores.rankings
with totals as (
    select unit_code, score, rank
    from scores.indicator_scores
    where quarter = $quarter and node = $root
),

names as (
    select cast(unit_code as varchar) as unit_code, cast(unit_name as varchar) as unit_name
    from unit_names
),

previous as (
    select unit_code, total_score, rank
    from scores.rankings
    where quarter = $previous_quarter
),

final as (
    select
        $quarter as quarter,
        t.unit_code,
        coalesce(n.unit_name, t.unit_code) as unit_name,
        t.score as total_score,
        t.rank,
        p.rank as previous_rank,
        p.total_score as previous_score,
        p.rank - t.rank as rank_change,
        t.score - p.total_score as score_change
    from totals as t
    left join names as n on t.unit_code = n.unit_code
    left join previous as p on t.unit_code = p.unit_code
    order by t.rank nulls last, t.unit_code
)

select * from final
