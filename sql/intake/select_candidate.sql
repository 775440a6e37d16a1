-- The version to validate for a source/quarter: the most recently received one.
select submission_hash, file_name, archive_path, received_at, status
from intake.submissions
where source = $source and quarter = $quarter
order by received_at desc, file_name desc
limit 1
