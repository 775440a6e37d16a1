-- One version's validation outcome.
select file_name, status, error_count, failing_rows, report_html, report_csv, data_rows
from intake.submissions
where source = $source and quarter = $quarter and submission_hash = $hash
