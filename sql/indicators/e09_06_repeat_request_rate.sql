-- E09_06 重复诉求率（单位：%；越小越好）
-- Share (%) of the quarter's closed 涉企诉求 that repeat an earlier one: the same firm
-- (统一社会信用代码) and 诉求类别 with an earlier 受理时间 at most 90 days before. The earlier
-- request may have been closed in an earlier quarter (requests closed up to $quarter are
-- read; the contract's lookback_quarters makes them present), in any unit.
-- Ties in 受理时间 are broken by 工单编号, so of two identical requests one is the repeat.
-- Rows belong to the quarter by the warehouse column `quarter` (办结时间).
-- Parameters: $first_quarter, $quarter (the period), $year_ago_quarter (e.g. 2025Q2, 2025Q2,
--   2024Q2: the oldest quarter read)
-- Columns:
--   unit_code  区划代码 of the unit (warehouse region_code)
--   value      percentage 0–100 (double); no row for a unit without requests
--   n_cases    requests behind the value
with current_requests as (
    select ticket_id, region_code, credit_code, category, accepted_at
    from warehouse.enterprise_requests
    where quarter between $first_quarter and $quarter
),

known_requests as (
    select ticket_id, credit_code, category, accepted_at
    from warehouse.enterprise_requests
    where quarter between $year_ago_quarter and $quarter
),

repeats as (
    select distinct c.ticket_id
    from current_requests as c
    inner join known_requests as k
        on
            c.credit_code = k.credit_code
            and c.category = k.category
            and c.ticket_id <> k.ticket_id
            and (
                c.accepted_at > k.accepted_at
                or (c.accepted_at = k.accepted_at and c.ticket_id > k.ticket_id)
            )
            and k.accepted_at >= c.accepted_at - interval 90 day
),

final as (
    select
        c.region_code as unit_code,
        100.0 * avg(case when r.ticket_id is not null then 1.0 else 0.0 end) as value,
        count(*) as n_cases
    from current_requests as c
    left join repeats as r on c.ticket_id = r.ticket_id
    group by c.region_code
)

select * from final order by unit_code
