delete from intake.validation_errors
where source = $source and quarter = $quarter and submission_hash = $hash and stage = $stage
