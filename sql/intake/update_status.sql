-- Record a validation outcome. Re-validating the version in force keeps it `accepted`
-- (a run that stops before promotion must not leave the quarter without a version in force).
update intake.submissions
set
    status = case
        when status = 'accepted' and $status = 'validated' then 'accepted'
        else $status
    end,
    error_count = $error_count,
    failing_rows = $failing_rows,
    report_html = $report_html,
    report_csv = $report_csv,
    validated_at = now()
where source = $source and quarter = $quarter and submission_hash = $hash
