-- Rows staged for one version (promotion refuses to run when staging holds another version).
select count(*) as staged_rows
from staging.approval_cases
where quarter = $quarter and submission_hash = $hash
