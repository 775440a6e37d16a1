-- Promote the validated version from staging; runs after delete_partition in one transaction.
insert into warehouse.approval_cases
select * from staging.approval_cases
where quarter = $quarter and submission_hash = $hash
