-- Delete one quarter's partition of scores.indicator_values (first half of a replace; same transaction).
delete from scores.indicator_values where quarter = $quarter
