-- Every archived version of one source/quarter, oldest first (asset metadata preview).
-- data_rows is null until validation has read the version (validated_at not null).
select file_name, received_at, status, data_rows, error_count, validated_at, submission_hash
from intake.submissions
where source = $source and quarter = $quarter
order by received_at
