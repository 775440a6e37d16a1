-- Promote the validated version from staging; runs after delete_partition in one transaction.
insert into warehouse.loan_balances
select * from staging.loan_balances
where quarter = $quarter and submission_hash = $hash
