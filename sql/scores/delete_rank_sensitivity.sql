-- Delete one quarter's partition of scores.rank_sensitivity (first half of a replace; same
-- transaction).
delete from scores.rank_sensitivity where quarter = $quarter
