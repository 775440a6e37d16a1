-- Every archived version of one source/quarter, oldest first (asset metadata preview).
select file_name, received_at, status, data_rows, error_count, submission_hash
from intake.submissions
where source = $source and quarter = $quarter
order by received_at
