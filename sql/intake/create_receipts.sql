-- intake.receipts: every receipt of a department's file, including re-sent bytes of a version
-- already archived (intake.submissions keeps one row per version).
--   source, quarter, submission_hash   the version received
--   file_name, landing_path   as found (landing_path relative to the work directory)
--   file_mtime_ns, size_bytes   with landing_path, identify one receipt: the same file seen
--                               again by a later scan is not a new receipt
--   received_at   the version's received time as the archive records it
--   seen_at       when intake first saw this receipt; the newest receipt makes its version
--                 the newest received (the candidate)
create table if not exists intake.receipts (
    source varchar not null,
    quarter varchar not null,
    submission_hash varchar not null,
    file_name varchar not null,
    landing_path varchar not null,
    file_mtime_ns bigint not null,
    size_bytes bigint not null,
    received_at timestamptz not null,
    seen_at timestamptz not null,
    primary key (source, quarter, landing_path, file_mtime_ns, size_bytes, submission_hash)
)
