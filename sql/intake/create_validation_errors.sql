-- intake.validation_errors: every failing cell of every validated version.
--   row_number   as the department sees it in Excel (header = 1); null for file-level errors
--   column_header   the header as written in the department's file; null when not a column
--   stage        parse (reading, headers, types) | contract (GE suite and contract checks)
create table if not exists intake.validation_errors (
    submission_hash varchar not null,
    source varchar not null,
    quarter varchar not null,
    stage varchar not null,
    row_number bigint,
    column_header varchar,
    value varchar,
    rule varchar not null,
    message varchar not null
)
