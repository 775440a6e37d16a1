-- A version re-sent by its department becomes a candidate again (the newest received): it is
-- validated again and, when it passes, promoted. The version in force is never reopened (it
-- stays in force; the caller supersedes the versions received before its new receipt).
update intake.submissions
set status = 'received'
where
    source = $source and quarter = $quarter and submission_hash = $hash
    and submission_hash not in (
        select submission_hash from intake.submissions_in_force
        where source = $source and quarter = $quarter
    )
