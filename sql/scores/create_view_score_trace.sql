-- scores.score_trace: the walk from a unit's total to the warehouse rows behind each leaf:
-- total (rankings) → first-level score → leaf score → leaf value and n_cases
-- (indicator_values) → the warehouse partitions read (indicator_inputs: table, quarter,
-- submission_hash). One row per quarter × unit × leaf × warehouse partition read.
--   quarter, unit_code, unit_name, total_score, rank
--   first_level, first_level_score       the leaf's first-level parent and its score
--   indicator, indicator_score, flags    the leaf, its score and engine flags
--   value, n_cases                       raw value and rows behind it (null if missing)
--   sql_file, source_table, input_quarter, submission_hash   where the rows are
create or replace view scores.score_trace as
with totals as (
    select quarter, unit_code, unit_name, total_score, rank from scores.rankings
),

leaves as (
    select quarter, unit_code, node as indicator, parent as first_level, score, flags
    from scores.indicator_scores
    where level = 2
),

parents as (
    select quarter, unit_code, node as first_level, score
    from scores.indicator_scores
    where level = 1
),

final as (
    select
        t.quarter,
        t.unit_code,
        t.unit_name,
        t.total_score,
        t.rank,
        l.first_level,
        p.score as first_level_score,
        l.indicator,
        l.score as indicator_score,
        l.flags,
        v.value,
        v.n_cases,
        i.sql_file,
        i.source_table,
        i.input_quarter,
        i.submission_hash
    from totals as t
    inner join leaves as l on t.quarter = l.quarter and t.unit_code = l.unit_code
    inner join parents as p
        on l.quarter = p.quarter and l.unit_code = p.unit_code and l.first_level = p.first_level
    left join scores.indicator_values as v
        on l.quarter = v.quarter and l.unit_code = v.unit_code and l.indicator = v.indicator
    left join scores.indicator_inputs as i
        on l.quarter = i.quarter and l.unit_code = i.unit_code and l.indicator = i.indicator
)

select * from final
