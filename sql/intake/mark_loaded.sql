update intake.submissions
set status = 'accepted', loaded_at = now()
where source = $source and quarter = $quarter and submission_hash = $hash
