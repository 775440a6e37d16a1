-- Schema `scores`: indicator values, their lineage, node scores and rankings (one DuckDB file
-- with the warehouse). Every table is partitioned by `quarter` (e.g. 2025Q2) and replaced
-- one partition at a time (delete + insert in one transaction).
create schema if not exists scores
