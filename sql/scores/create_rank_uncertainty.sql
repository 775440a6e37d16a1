-- scores.rank_uncertainty: how sure each unit's rank is (pipelines/scoring/robustness.py):
-- a seeded Monte Carlo that re-scores the quarter's stored indicator values under the
-- declared uncertain inputs (weights, normalisation, aggregation, missing values).
--   quarter             partition, e.g. 2025Q2
--   unit_code           区划代码
--   unit_name           unit name (short name for development zones)
--   nominal_score       unrounded total under the framework as configured
--   nominal_rank        rank under the framework as configured (= scores.rankings.rank)
--   median_rank         median rank over the replications
--   rank_p05            5th percentile of the rank (an observed rank: inverted CDF)
--   rank_p95            95th percentile of the rank
--   share_nominal_rank  share of replications (0–1) in which the unit keeps its nominal rank
--   list_place          nominal 红/黑榜 place: red, black or '' (bulletin.yaml rules)
--   share_list_place    share of replications in which the unit keeps that place
--   replications        number of Monte Carlo replications
--   seed                random seed of the replications
--   design              the uncertain inputs, in Chinese (RobustnessSettings.describe_zh)
create table if not exists scores.rank_uncertainty (
    quarter varchar not null,
    unit_code varchar not null,
    unit_name varchar not null,
    nominal_score double,
    nominal_rank integer not null,
    median_rank integer not null,
    rank_p05 integer not null,
    rank_p95 integer not null,
    share_nominal_rank double not null,
    list_place varchar not null,
    share_list_place double not null,
    replications integer not null,
    seed bigint not null,
    design varchar not null,
    primary key (quarter, unit_code)
)
