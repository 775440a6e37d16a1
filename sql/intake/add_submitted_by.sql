-- intake.submissions.submitted_by on a warehouse made before the portal recorded senders.
alter table intake.submissions add column if not exists submitted_by varchar
