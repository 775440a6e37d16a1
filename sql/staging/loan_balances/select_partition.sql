-- Typed rows of one staged version, in file order.
select * exclude (quarter, submission_hash)
from staging.loan_balances
where quarter = $quarter and submission_hash = $hash
order by source_row
