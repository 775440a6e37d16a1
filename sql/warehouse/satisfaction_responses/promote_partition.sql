-- Promote the validated version from staging; runs after delete_partition in one transaction.
insert into warehouse.satisfaction_responses
select * from staging.satisfaction_responses
where quarter = $quarter and submission_hash = $hash
