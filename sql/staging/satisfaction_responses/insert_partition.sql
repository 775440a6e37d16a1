-- Stage the typed rows of one version; `staged_rows` is the typed frame registered by the caller.
insert into staging.satisfaction_responses (
    quarter,
    submission_hash,
    source_row,
    response_id,
    credit_code,
    region_code,
    rated_dept,
    submitted_at,
    score_attitude,
    score_efficiency,
    score_policy,
    score_integrity,
    score_overall,
    comment
)
select
    $quarter as quarter,
    $hash as submission_hash,
    source_row,
    response_id,
    credit_code,
    region_code,
    rated_dept,
    submitted_at,
    score_attitude,
    score_efficiency,
    score_policy,
    score_integrity,
    score_overall,
    comment
from staged_rows
