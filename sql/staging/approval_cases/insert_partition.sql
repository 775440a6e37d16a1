-- Stage the typed rows of one version; `staged_rows` is the typed frame registered by the caller.
insert into staging.approval_cases (
    quarter,
    submission_hash,
    source_row,
    case_id,
    region_code,
    category,
    item_name,
    dept,
    accepted_at,
    completed_at,
    statutory_limit_days,
    promised_limit_days,
    suspended_days,
    material_count,
    visit_count,
    step_count,
    is_online
)
select
    $quarter as quarter,
    $hash as submission_hash,
    source_row,
    case_id,
    region_code,
    category,
    item_name,
    dept,
    accepted_at,
    completed_at,
    statutory_limit_days,
    promised_limit_days,
    suspended_days,
    material_count,
    visit_count,
    step_count,
    is_online
from staged_rows
