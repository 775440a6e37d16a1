-- work_calendar: China's official working-day calendar (chinesecalendar: public holidays and
-- the weekend days swapped into workdays, 调休), one row per day of the loaded range.
--   day          the date (Asia/Shanghai)
--   is_workday   true on a working day (Mon–Fri not a holiday, or a 调休 workday)
--   workday_seq  cumulative count of workdays from the range's first day through `day`
--                (inclusive); workdays between two days = difference of their workday_seq
-- Reads the registered relation `work_calendar_source` (a pandas/Arrow frame with the same
-- columns, built by pipelines.workdays.work_calendar). Run inside a transaction.
create or replace table work_calendar as
with source as (
    select day, is_workday, workday_seq from work_calendar_source
),

final as (
    select
        cast(day as date) as day,
        cast(is_workday as boolean) as is_workday,
        cast(workday_seq as integer) as workday_seq
    from source
    order by day
)

select * from final
