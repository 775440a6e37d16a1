-- E09_05 诉求满意率（单位：%；越大越好）
-- (满意 + 基本满意) / requests followed up, in %, over the quarter's closed 涉企诉求;
-- 未回访 requests are left out of numerator and denominator.
-- Rows belong to the quarter by the warehouse column `quarter` (办结时间).
-- Parameters: $first_quarter, $quarter: the period (a quarter: 2025Q2, 2025Q2; a year: Q1, Q4)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without a followed-up request
--   n_cases    followed-up requests behind the value
with requests as (
    select region_code, follow_up
    from warehouse.enterprise_requests
    where quarter between $first_quarter and $quarter and follow_up in ('满意', '基本满意', '不满意')
),

final as (
    select
        region_code as unit_code,
        100.0 * avg(case when follow_up in ('满意', '基本满意') then 1.0 else 0.0 end) as value,
        count(*) as n_cases
    from requests
    group by region_code
)

select * from final order by unit_code
