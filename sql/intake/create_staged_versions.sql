-- intake.staged_versions: the completion marker of a staging write, one row per source and
-- quarter whose staging partition was written to its end (a run killed mid-staging leaves
-- no row; promotion refuses a version whose staged rows do not match its marker).
--   source, quarter    the staging partition
--   submission_hash    the version staged in it
--   staged_rows        rows written to staging.<source> for that version
--   staged_at          when the last batch was committed
create table if not exists intake.staged_versions (
    source varchar not null,
    quarter varchar not null,
    submission_hash varchar not null,
    staged_rows bigint not null,
    staged_at timestamptz not null
)
