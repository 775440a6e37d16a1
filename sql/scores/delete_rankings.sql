-- Delete one quarter's partition of scores.rankings (first half of a replace; same transaction).
delete from scores.rankings where quarter = $quarter
