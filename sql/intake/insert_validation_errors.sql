-- `error_rows` is a frame registered by the caller with the columns of intake.validation_errors.
insert into intake.validation_errors
select submission_hash, source, quarter, stage, row_number, column_header, value, rule, message
from error_rows
