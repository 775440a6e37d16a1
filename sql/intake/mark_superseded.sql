-- Versions received before the candidate and never validated are kept in the archive but
-- marked superseded: the department's newer file replaced them before validation.
update intake.submissions
set status = 'superseded'
where source = $source and quarter = $quarter and status = 'received'
  and submission_hash <> $hash
