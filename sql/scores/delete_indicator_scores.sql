-- Delete one quarter's partition of scores.indicator_scores (first half of a replace; same transaction).
delete from scores.indicator_scores where quarter = $quarter
