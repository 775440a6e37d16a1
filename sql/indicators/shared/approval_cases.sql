-- shared.approval_cases: warehouse.approval_cases with durations in working days.
-- One row per completed case (all quarters; leaves filter on `quarter`). Needs table
-- work_calendar (pipelines.workdays.ensure_calendar): elapsed = workday_seq(completed day) −
-- workday_seq(accepted day), i.e. workdays strictly after 受理's day up to and including
-- 办结's day (same day = 0; see pipelines/workdays.py); null outside the calendar.
-- Durations are net of 特殊环节 (补正、公示、专家评审、听证: by 行政许可法 第45条 not counted in
-- the time limit): workdays = elapsed − suspended_days (empty = 0), floored at 0.
-- Columns:
--   quarter              partition, e.g. 2025Q2
--   case_id              办件编号, unique within the quarter
--   unit_code            区划代码 of the unit (warehouse region_code)
--   category             事项类别: 企业开办 | 工程建设项目审批 | 不动产登记 | 其他政务服务
--   promised_limit_days  承诺时限 (working days)
--   material_count       申请材料数
--   step_count           办理环节数
--   is_online            是否网办
--   elapsed_workdays     working days 受理 → 办结 (integer), 特殊环节 included
--   suspended_days       特殊环节用时 (working days; empty = 0)
--   workdays             elapsed_workdays − suspended_days, at least 0 (integer)
--   on_time              workdays <= promised_limit_days (null when either is null)
--   at_most_one_visit    跑动次数 (visit_count) <= 1 (null when not given)
--   no_visit             visit_count = 0, “一次不用跑” (null when not given)
--   same_day             elapsed_workdays = 0: 办结 the day of 受理, 即办件 (null outside the calendar)
create or replace view shared.approval_cases as
with cases as (
    select
        quarter, case_id, region_code, category, accepted_at, completed_at,
        promised_limit_days, material_count, visit_count, step_count, is_online,
        coalesce(suspended_days, 0) as suspended_days
    from warehouse.approval_cases
),

calendar as (
    select day, workday_seq from work_calendar
),

durations as (
    select
        c.*,
        ended.workday_seq - started.workday_seq as elapsed_workdays
    from cases as c
    left join calendar as started on started.day = cast(c.accepted_at as date)
    left join calendar as ended on ended.day = cast(c.completed_at as date)
),

net as (
    select
        *,
        -- greatest() would skip a null (outside the calendar): keep it null
        case
            when elapsed_workdays >= suspended_days then elapsed_workdays - suspended_days
            when elapsed_workdays is not null then 0
        end as workdays
    from durations
),

final as (
    select
        quarter,
        case_id,
        region_code as unit_code,
        category,
        promised_limit_days,
        material_count,
        step_count,
        is_online,
        elapsed_workdays,
        suspended_days,
        workdays,
        workdays <= promised_limit_days as on_time,
        visit_count <= 1 as at_most_one_visit,
        visit_count = 0 as no_visit,
        elapsed_workdays = 0 as same_day
    from net
)

select * from final
