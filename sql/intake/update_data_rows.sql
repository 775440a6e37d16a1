-- The row count of a version, set by validation as it reads the file (the only count: intake
-- does not parse files, so the column is null until the version is validated).
update intake.submissions
set data_rows = $data_rows
where source = $source and quarter = $quarter and submission_hash = $hash
