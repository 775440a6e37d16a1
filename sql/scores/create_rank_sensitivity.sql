-- scores.rank_sensitivity: Sobol sensitivity indices (SALib, Saltelli design) of each unit's
-- rank and of the ranking's mean absolute rank shift, per uncertain input.
--   quarter       partition, e.g. 2025Q2
--   output        unit_code, or mean_abs_rank_shift (mean |rank − nominal rank| over units)
--   factor        weights_level1, weights_level2, normalisation, aggregation, missing
--   factor_label  Chinese name of the factor, e.g. 一级指标权重
--   s1            first-order index (share of the output's variance due to the factor alone)
--   s1_conf       95 % confidence half-width of s1 (bootstrap)
--   st            total index (the factor's effect including its interactions)
--   st_conf       95 % confidence half-width of st
--   base_samples  base sample size N of the Saltelli design (N × (factors + 2) evaluations)
create table if not exists scores.rank_sensitivity (
    quarter varchar not null,
    output varchar not null,
    factor varchar not null,
    factor_label varchar not null,
    s1 double,
    s1_conf double,
    st double,
    st_conf double,
    base_samples integer not null,
    primary key (quarter, output, factor)
)
