-- Mark a staging partition complete: every batch of the version was written.
insert into intake.staged_versions (
    source, quarter, submission_hash, staged_rows, staged_at
)
values ($source, $quarter, $hash, $staged_rows, now())
