-- Benchmark variant c (pandas): the approval rows it reads for one quarter.
select
    region_code,
    category,
    accepted_at,
    completed_at,
    promised_limit_days,
    material_count,
    visit_count,
    step_count,
    is_online
from warehouse.approval_cases
where quarter = $quarter
