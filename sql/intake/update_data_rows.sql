-- The row count of a version as parsed (authoritative; the archive's count is a quick scan).
update intake.submissions
set data_rows = $data_rows
where source = $source and quarter = $quarter and submission_hash = $hash
