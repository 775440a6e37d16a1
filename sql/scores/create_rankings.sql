-- scores.rankings: the quarter's total scores and ranks with the change since the previous
-- quarter (季通报 / 红黑榜).
--   quarter         partition, e.g. 2025Q2
--   unit_code       区划代码
--   unit_name       unit name (short name for development zones), from regions.yaml
--   total_score     unrounded total score (node TOTAL of indicator_scores)
--   rank            rank by the unrounded total (ties share the best rank; null if no score)
--   previous_rank   rank in the previous quarter (null in the first quarter / if unranked)
--   previous_score  total score in the previous quarter
--   rank_change     previous_rank − rank (positive = moved up)
--   score_change    total_score − previous_score
create table if not exists scores.rankings (
    quarter varchar not null,
    unit_code varchar not null,
    unit_name varchar not null,
    total_score double,
    rank integer,
    previous_rank integer,
    previous_score double,
    rank_change integer,
    score_change double,
    primary key (quarter, unit_code)
)
