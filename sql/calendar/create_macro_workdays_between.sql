-- workdays_between(start_ts, end_ts) → integer: elapsed working days between two dates or
-- timestamps, by table work_calendar (see replace_work_calendar.sql).
--   = number of workdays strictly after start's day up to and including end's day
--   = workday_seq(end day) − workday_seq(start day)
-- Same day → 0; start on a holiday or weekend and end on the next workday → 1; end before
-- start → negative. Only the calendar day counts (the time of day is ignored). Null when
-- either day lies outside the loaded calendar (no silent weekday fallback) or is null.
-- Usage: select workdays_between(submitted_at, decided_at) as workdays from cases
-- start_ts / end_ts are the macro's arguments, not columns: RF03 does not apply.
-- noqa: disable=RF03
create or replace macro workdays_between(start_ts, end_ts) as (
    (select e.workday_seq from work_calendar as e where e.day = cast(end_ts as date))
    - (select s.workday_seq from work_calendar as s where s.day = cast(start_ts as date))
)
