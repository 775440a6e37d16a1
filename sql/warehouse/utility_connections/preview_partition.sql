-- The first rows of one quarter in force (asset preview).
select * exclude (quarter)
from warehouse.utility_connections
where quarter = $quarter
order by source_row
limit 10
