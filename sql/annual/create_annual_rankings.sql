-- scores.annual_rankings: the annual evaluation (年度综合评价) of each unit.
--   year               partition, e.g. 2024
--   unit_code          区划代码
--   unit_name          unit name (short name for development zones)
--   quarters_scored    how many of the year's four quarters the unit has a total in
--   complete           true when the unit has all four quarters (else no annual score:
--                      a year is never averaged over fewer quarters)
--   annual_score       annual score (default: mean of the four quarters' totals), unrounded
--   annual_rank        competition rank of annual_score (ties share the best rank)
--   previous_rank      the unit's annual rank in the year before (null if none)
--   rank_change        previous_rank − annual_rank (positive = moved up)
--   list_place         annual 红/黑榜 place: red, black or ''
--   grade              三挂钩 grade (bands in bulletin.yaml annual.grades), e.g. 好
create table if not exists scores.annual_rankings (
    year integer not null,
    unit_code varchar not null,
    unit_name varchar not null,
    quarters_scored integer not null,
    complete boolean not null,
    annual_score double,
    annual_rank integer,
    previous_rank integer,
    rank_change integer,
    list_place varchar not null,
    grade varchar,
    primary key (year, unit_code)
)
