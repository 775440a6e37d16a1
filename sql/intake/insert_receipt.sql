-- Record one receipt of a version; the same receipt seen again changes nothing.
insert into intake.receipts (
    source, quarter, submission_hash, file_name, landing_path, file_mtime_ns, size_bytes,
    received_at, seen_at
)
values (
    $source, $quarter, $hash, $file_name, $landing_path, $file_mtime_ns, $size_bytes,
    $received_at, $seen_at
)
on conflict do nothing
