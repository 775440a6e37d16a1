-- Benchmark variant c (pandas): the utility rows it reads for one quarter.
select
    region_code,
    utility_type,
    customer_class,
    applied_at,
    connected_at,
    step_count,
    connection_fee_yuan,
    capacity_kw
from warehouse.utility_connections
where quarter = $quarter
