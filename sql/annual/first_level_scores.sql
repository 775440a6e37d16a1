-- First-level indicator scores of every quarter from $first_quarter to $last_quarter (the
-- annual report's 一级指标年度情况).
--   quarter    e.g. 2024Q3
--   unit_code  区划代码
--   node       first-level node code, e.g. E01
--   score      unrounded score (null = missing)
with stored as (
    select quarter, unit_code, node, level, score from scores.indicator_scores
),

final as (
    select quarter, unit_code, node, score
    from stored
    where quarter between $first_quarter and $last_quarter and level = 1
)

select * from final
order by quarter, node, unit_code
