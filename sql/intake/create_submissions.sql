-- intake.submissions: one row per archived version of a source/quarter submission.
--   submission_hash  sha256 of the file's bytes (the archive's content address)
--   source, quarter  e.g. approval_cases, 2025Q2
--   file_name        name as received in the landing folder
--   landing_path     where it was found
--   archive_path     the immutable copy in the content-addressed archive
--   received_at      when the archive first saw the content, or the --received-at of a
--                    historical import, or the portal's confirmation (Asia/Shanghai)
--   size_bytes       file size
--   data_rows        data rows below the header, counted by validation as it reads the
--                    file; null until the version is validated (a version superseded
--                    before validation never gets one) and for a file that cannot be read
--   status           received | staged | accepted | rejected | superseded
--   error_count, failing_rows   from validation
--   report_html, report_csv     rejection report paths (rejected versions only)
--   validated_at, loaded_at     when validation ran; when it was promoted to the warehouse
--   submitted_by     who sent it (the portal's user name); null for files landed otherwise
create table if not exists intake.submissions (
    submission_hash varchar not null,
    source varchar not null,
    quarter varchar not null,
    file_name varchar not null,
    landing_path varchar not null,
    archive_path varchar not null,
    received_at timestamptz not null,
    size_bytes bigint not null,
    data_rows bigint,
    status varchar not null,
    error_count bigint,
    failing_rows bigint,
    report_html varchar,
    report_csv varchar,
    validated_at timestamptz,
    loaded_at timestamptz,
    submitted_by varchar,
    primary key (source, quarter, submission_hash)
)
