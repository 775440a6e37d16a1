-- Register an archived version once; a re-scan of the same bytes changes nothing.
-- data_rows stays null: validation counts the rows when it reads the file
-- (intake/update_data_rows).
insert into intake.submissions (
    submission_hash, source, quarter, file_name, landing_path, archive_path, received_at,
    size_bytes, status, submitted_by
)
values (
    $hash, $source, $quarter, $file_name, $landing_path, $archive_path, $received_at,
    $size_bytes, 'received', $submitted_by
)
on conflict do nothing
