-- The version in force for one source/quarter: file name and hash.
select file_name, submission_hash
from intake.submissions_in_force
where source = $source and quarter = $quarter
