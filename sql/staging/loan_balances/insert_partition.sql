-- Stage the typed rows of one version; `staged_rows` is the typed frame registered by the caller.
insert into staging.loan_balances (
    quarter,
    submission_hash,
    source_row,
    region_code,
    stat_month,
    total_loans_100m,
    manufacturing_loans_100m,
    inclusive_sme_loans_100m,
    inclusive_sme_borrowers,
    inclusive_sme_rate_pct,
    new_sme_loans_100m,
    first_time_borrowers
)
select
    $quarter as quarter,
    $hash as submission_hash,
    source_row,
    region_code,
    stat_month,
    total_loans_100m,
    manufacturing_loans_100m,
    inclusive_sme_loans_100m,
    inclusive_sme_borrowers,
    inclusive_sme_rate_pct,
    new_sme_loans_100m,
    first_time_borrowers
from staged_rows
