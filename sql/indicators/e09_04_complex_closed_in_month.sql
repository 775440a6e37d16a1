-- E09_04 复杂诉求一个月内办结率（单位：%；越大越好）
-- Share (%) of the quarter's closed complex 涉企诉求 (是否复杂诉求 = 是) whose 办结时间 is
-- at most one calendar month after 受理时间 ("123" rule: complex cases closed within a month;
-- a month is the calendar month the rule names, e.g. 04-15 10:00 → 05-15 10:00).
-- Rows belong to the quarter by the warehouse column `quarter` (办结时间).
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without complex requests
--   n_cases    complex requests behind the value
with requests as (
    select region_code, accepted_at, closed_at
    from warehouse.enterprise_requests
    where quarter between $first_quarter and $quarter and is_complex
),

flagged as (
    select
        region_code,
        case when closed_at <= accepted_at + interval 1 month then 1.0 else 0.0 end as in_time
    from requests
    where accepted_at is not null and closed_at is not null
),

final as (
    select
        region_code as unit_code,
        100.0 * avg(in_time) as value,
        count(*) as n_cases
    from flagged
    group by region_code
)

select * from final order by unit_code
