-- Row count of the version in force for the previous quarter (volume check baseline).
select data_rows
from intake.submissions
where source = $source and quarter = $quarter and status = 'accepted'
order by loaded_at desc nulls last, received_at desc
limit 1
