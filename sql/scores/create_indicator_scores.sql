-- scores.indicator_scores: scores of every framework node (total, first-level, leaves) for
-- each unit and quarter, from the scoring engine (pipelines/scoring, docs/scoring.md).
--   quarter    partition, e.g. 2025Q2
--   unit_code  区划代码
--   node       node code: TOTAL (总分), E01 (一级指标), E01_01 (二级指标) …
--   level      0 = total, 1 = first-level, 2 = second-level
--   parent     parent node code (null for the total)
--   score      unrounded score on the framework's scale [0, 100]; null = missing
--   rank       competition rank among the units at this node (ties share the best rank;
--              null when the score is missing)
--   flags      ';'-joined engine flags, e.g. missing_value, clipped, partial ('' if none)
create table if not exists scores.indicator_scores (
    quarter varchar not null,
    unit_code varchar not null,
    node varchar not null,
    level integer not null,
    parent varchar,
    score double,
    rank integer,
    flags varchar not null,
    primary key (quarter, unit_code, node)
)
