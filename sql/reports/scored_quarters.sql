-- Quarters that have rankings in the warehouse.
select distinct quarter from scores.rankings order by quarter
