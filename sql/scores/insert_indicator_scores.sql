-- Insert one quarter's node scores from the registered frame `indicator_score_rows`
-- (the engine's node_scores: period, unit, node, level, parent, score, rank, flags); runs
-- after delete_indicator_scores in the same transaction.
insert into scores.indicator_scores
with engine_rows as (
    select unit, node, level, parent, score, rank, flags from indicator_score_rows
),

final as (
    select
        $quarter as quarter,
        cast(unit as varchar) as unit_code,
        cast(node as varchar) as node,
        cast(level as integer) as level,
        cast(parent as varchar) as parent,
        cast(score as double) as score,
        cast(rank as integer) as rank,
        coalesce(cast(flags as varchar), '') as flags
    from engine_rows
)

select * from final
