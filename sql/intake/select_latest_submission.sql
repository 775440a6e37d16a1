-- The most recently received version of one source/quarter and its outcome.
select file_name, status, error_count, report_html, submission_hash
from intake.submissions
where source = $source and quarter = $quarter
order by received_at desc, file_name desc
limit 1
