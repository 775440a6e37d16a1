-- day_count(workdays, same_day) → the working days a case counts for in a mean duration:
-- `workdays`, except that a case of 0 working days (受理 and 办结, or 申请 and 接通, on the same
-- day) counts `same_day` (the leaf's setting same_day_workdays: 0 = the legal count, a lower
-- bound; 0.5 = half a day). Null stays null. Used by the duration leaves.
create or replace macro day_count(workdays, same_day) as (
    case when workdays = 0 then same_day else workdays end
)
