-- One quarter of scores.indicator_scores (for previews and checks).
--   quarter, unit_code, node, level, parent, score, rank, flags
select quarter, unit_code, node, level, parent, score, rank, flags
from scores.indicator_scores
where quarter = $quarter
order by level, node, rank nulls last, unit_code
