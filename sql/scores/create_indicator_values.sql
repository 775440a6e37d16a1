-- scores.indicator_values: the raw value of every leaf indicator for each unit and quarter,
-- computed by the leaf's SQL file (config/framework.yaml → sql/indicators/*.sql).
--   quarter    partition, e.g. 2025Q2
--   unit_code  区划代码 of the unit (config/regions.yaml)
--   indicator  leaf code of the framework, e.g. E01_01
--   value      raw value in the indicator's unit (null = missing: not computable)
--   n_cases    number of warehouse rows behind the value
-- A unit without cases for an indicator has no row (a missing value, never a zero).
create table if not exists scores.indicator_values (
    quarter varchar not null,
    unit_code varchar not null,
    indicator varchar not null,
    value double,
    n_cases bigint not null,
    primary key (quarter, unit_code, indicator)
)
