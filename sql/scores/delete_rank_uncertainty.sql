-- Delete one quarter's partition of scores.rank_uncertainty (first half of a replace; same
-- transaction).
delete from scores.rank_uncertainty where quarter = $quarter
