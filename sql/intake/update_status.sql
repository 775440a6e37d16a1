update intake.submissions
set status = $status,
    error_count = $error_count,
    failing_rows = $failing_rows,
    report_html = $report_html,
    report_csv = $report_csv,
    validated_at = now()
where source = $source and quarter = $quarter and submission_hash = $hash
