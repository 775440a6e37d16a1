-- Node scores below the total for one quarter and the one before it.
-- Columns: quarter, unit_code, node, level (1 = first-level), parent, score, rank, flags.
with final as (
    select quarter, unit_code, node, level, parent, score, rank, flags
    from scores.indicator_scores
    where quarter in ($quarter, $previous) and level >= 1
)

select * from final
order by quarter, level, node, unit_code
