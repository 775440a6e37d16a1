-- Every rejected version with its report (demo summary, data-quality appendix).
select quarter, source, file_name, received_at, error_count, report_html, report_csv
from intake.submissions
where status = 'rejected'
order by quarter, source, received_at
