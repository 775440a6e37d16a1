-- scores.indicator_inputs: lineage of indicator_values: for each quarter, leaf and unit, the
-- warehouse partitions its SQL file read, named by the submitted file's hash.
--   quarter          partition of indicator_values, e.g. 2025Q2
--   indicator        leaf code, e.g. E06_01
--   sql_file         the SQL file that computed it, e.g. indicators/e06_01_loan_growth_yoy.sql
--   source_table     warehouse table read, e.g. loan_balances
--   input_quarter    warehouse partition read (the quarter itself, or the previous /
--                    year-ago quarter for growth indicators)
--   unit_code        区划代码
--   submission_hash  sha256 of the submitted file the warehouse rows came from
--   partition_rows   rows of that unit in that warehouse partition (before the indicator's
--                    own filters; indicator_values.n_cases counts the rows actually used)
create table if not exists scores.indicator_inputs (
    quarter varchar not null,
    indicator varchar not null,
    sql_file varchar not null,
    source_table varchar not null,
    input_quarter varchar not null,
    unit_code varchar not null,
    submission_hash varchar not null,
    partition_rows bigint not null
)
