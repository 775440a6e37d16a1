-- One quarter of scores.rankings, best first (for previews, checks and reports).
--   quarter, unit_code, unit_name, total_score, rank, previous_rank, previous_score,
--   rank_change, score_change
select
    quarter, unit_code, unit_name, total_score, rank, previous_rank, previous_score,
    rank_change, score_change
from scores.rankings
where quarter = $quarter
order by rank nulls last, unit_code
