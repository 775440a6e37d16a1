-- The validation status of one version.
select status
from intake.submissions
where source = $source and quarter = $quarter and submission_hash = $hash
