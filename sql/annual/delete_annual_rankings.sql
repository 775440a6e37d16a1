-- Delete one year's partition of scores.annual_rankings (first half of a replace; same
-- transaction).
delete from scores.annual_rankings where year = $year
