-- Error counts per rule for one version.
select rule, count(*) as errors
from intake.validation_errors
where source = $source and quarter = $quarter and submission_hash = $hash
group by rule
order by errors desc, rule asc
