-- 承办单位 ranking of 涉企诉求 in one quarter: each handling department's "123" rates,
-- complex cases closed within a month, satisfaction and repeat rate (the definitions of
-- indicators E09_01–E09_06, by 承办单位 instead of by unit), ranked by the mean of its
-- ranks on the six rates (1 = best; a department with no complex case is ranked on five).
-- Needs table work_calendar (pipelines.indicators.store.prepare_calendar).
-- Parameters: $quarter, $year_ago_quarter
-- Columns:
--   department       承办单位
--   requests         requests closed in the quarter
--   contact_rate     % contacted within 1 working day
--   assign_rate      % assigned within 2 working days
--   feedback_rate    % fed back within 3 working days
--   complex_rate     % of complex requests closed within a month (null without any)
--   satisfaction     % 满意 + 基本满意 among those followed up (null without any)
--   repeat_rate      % repeating a request of the same firm and category within 90 days
--   mean_rank        mean of the department's ranks on the rates it has
--   overall_rank     rank by mean_rank (ties share a rank)
with current_requests as (
    select
        ticket_id, handling_dept, credit_code, category, is_complex, follow_up,
        accepted_at, contacted_at, assigned_at, feedback_at, closed_at
    from warehouse.enterprise_requests
    where quarter = $quarter and handling_dept is not null
),

known_requests as (
    select ticket_id, credit_code, category, accepted_at
    from warehouse.enterprise_requests
    where quarter between $year_ago_quarter and $quarter
),

calendar as (
    select day, workday_seq from work_calendar
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

timed as (
    select
        c.handling_dept,
        c.is_complex,
        c.follow_up,
        c.accepted_at,
        c.closed_at,
        contacted.workday_seq - accepted.workday_seq as contact_days,
        assigned.workday_seq - accepted.workday_seq as assign_days,
        fed_back.workday_seq - accepted.workday_seq as feedback_days,
        r.ticket_id is not null as is_repeat
    from current_requests as c
    left join calendar as accepted on accepted.day = cast(c.accepted_at as date)
    left join calendar as contacted on contacted.day = cast(c.contacted_at as date)
    left join calendar as assigned on assigned.day = cast(c.assigned_at as date)
    left join calendar as fed_back on fed_back.day = cast(c.feedback_at as date)
    left join repeats as r on c.ticket_id = r.ticket_id
),

rates as (
    select
        handling_dept as department,
        count(*) as requests,
        100.0 * avg(case when contact_days <= 1 then 1.0 when contact_days is not null then 0.0 end)
            as contact_rate,
        100.0 * avg(case when assign_days <= 2 then 1.0 when assign_days is not null then 0.0 end)
            as assign_rate,
        100.0 * avg(
            case when feedback_days <= 3 then 1.0 when feedback_days is not null then 0.0 end
        ) as feedback_rate,
        100.0 * avg(
            case
                when not is_complex then null
                when closed_at <= accepted_at + interval 1 month then 1.0
                else 0.0
            end
        ) as complex_rate,
        100.0 * avg(
            case
                when follow_up in ('满意', '基本满意') then 1.0
                when follow_up = '不满意' then 0.0
            end
        ) as satisfaction,
        100.0 * avg(case when is_repeat then 1.0 else 0.0 end) as repeat_rate
    from timed
    group by handling_dept
),

ranked as (
    select
        *,
        (
            coalesce(rank() over (order by contact_rate desc nulls last), 0)
            + coalesce(rank() over (order by assign_rate desc nulls last), 0)
            + coalesce(rank() over (order by feedback_rate desc nulls last), 0)
            + case
                when complex_rate is null then 0
                else rank() over (order by complex_rate desc nulls last)
            end
            + case
                when satisfaction is null then 0
                else rank() over (order by satisfaction desc nulls last)
            end
            + rank() over (order by repeat_rate asc)
        ) / (
            4.0 + case when complex_rate is null then 0 else 1 end
            + case when satisfaction is null then 0 else 1 end
        ) as mean_rank
    from rates
),

final as (
    select
        department, requests, contact_rate, assign_rate, feedback_rate, complex_rate,
        satisfaction, repeat_rate, mean_rank,
        rank() over (order by mean_rank) as overall_rank
    from ranked
)

select * from final order by overall_rank, department
