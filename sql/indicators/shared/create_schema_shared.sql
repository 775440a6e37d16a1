-- Schema `shared`: the indicators' shared layer, one view per warehouse source (see
-- sql/indicators/shared/*.sql): renamed and derived columns, durations in working days, so
-- that a leaf under sql/indicators/ is a filter and an aggregate.
create schema if not exists shared
