-- Delete one quarter's partition of scores.indicator_inputs (first half of a replace; same transaction).
delete from scores.indicator_inputs where quarter = $quarter
