-- Promote the validated version from staging; runs after delete_partition in one transaction.
insert into warehouse.utility_connections
select * from staging.utility_connections
where quarter = $quarter and submission_hash = $hash
