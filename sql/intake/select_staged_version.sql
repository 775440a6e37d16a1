-- The completed staging write of one version: its staged row count (no row: incomplete).
select staged_rows
from intake.staged_versions
where source = $source and quarter = $quarter and submission_hash = $hash
