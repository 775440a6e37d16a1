-- Every quarter's total score and rank from $first_quarter to $last_quarter (the evaluated
-- year and the year before it), for the annual evaluation.
--   quarter      e.g. 2024Q3
--   unit_code    区划代码
--   unit_name    unit name (short name for development zones)
--   total_score  unrounded total score of the quarter
--   rank         the quarter's rank
with stored as (
    select quarter, unit_code, unit_name, total_score, rank from scores.rankings
),

final as (
    select quarter, unit_code, unit_name, total_score, rank
    from stored
    where quarter between $first_quarter and $last_quarter
)

select * from final
order by quarter, rank nulls last, unit_code
