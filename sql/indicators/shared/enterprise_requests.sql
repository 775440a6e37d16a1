-- shared.enterprise_requests: warehouse.enterprise_requests (涉企诉求, one row per closed
-- request; all quarters, leaves filter on `quarter`, the quarter of 办结时间) with the "123"
-- rule's durations in working days, by the macro workdays_between (sql/calendar/, over table
-- work_calendar): workday_seq(later day) − workday_seq(受理 day), so a request accepted on
-- a Friday and handled on Monday took 1 working day; null when a time is missing or outside
-- the calendar.
-- Columns:
--   quarter            partition, e.g. 2025Q2
--   unit_code          区划代码 of the unit (warehouse region_code)
--   contact_workdays   working days 受理时间 → 首次联系企业时间 (contacted_at)
--   assign_workdays    working days 受理时间 → 交办时间 (assigned_at)
--   feedback_workdays  working days 受理时间 → 反馈时间 (feedback_at)
create or replace view shared.enterprise_requests as
with requests as (
    select quarter, region_code, accepted_at, contacted_at, assigned_at, feedback_at
    from warehouse.enterprise_requests
),

final as (
    select
        quarter,
        region_code as unit_code,
        workdays_between(accepted_at, contacted_at) as contact_workdays,
        workdays_between(accepted_at, assigned_at) as assign_workdays,
        workdays_between(accepted_at, feedback_at) as feedback_workdays
    from requests
)

select * from final
