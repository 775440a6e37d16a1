-- Register an archived version once; a re-scan of the same bytes changes nothing.
insert into intake.submissions (
    submission_hash, source, quarter, file_name, landing_path, archive_path, received_at,
    size_bytes, data_rows, status, submitted_by
)
values (
    $hash, $source, $quarter, $file_name, $landing_path, $archive_path, $received_at,
    $size_bytes, $data_rows, 'received', $submitted_by
)
on conflict do nothing
