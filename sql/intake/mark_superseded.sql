-- Versions received before the candidate and not yet in force (never validated, or validated
-- but never promoted) stay in the archive but are marked superseded: the department's newer
-- file replaced them.
update intake.submissions
set status = 'superseded'
where
    source = $source and quarter = $quarter and status in ('received', 'validated')
    and submission_hash <> $hash
    and received_at <= (
        select received_at from intake.submissions
        where source = $source and quarter = $quarter and submission_hash = $hash
    )
