-- Stage the typed rows of one version; `staged_rows` is the typed frame registered by the caller.
insert into staging.utility_connections (
    quarter,
    submission_hash,
    source_row,
    application_id,
    region_code,
    utility_type,
    customer_class,
    applied_at,
    connected_at,
    step_count,
    material_count,
    connection_fee_yuan,
    capacity_kw
)
select
    $quarter as quarter,
    $hash as submission_hash,
    source_row,
    application_id,
    region_code,
    utility_type,
    customer_class,
    applied_at,
    connected_at,
    step_count,
    material_count,
    connection_fee_yuan,
    capacity_kw
from staged_rows
