-- shared.utility_connections: warehouse.utility_connections with durations in working days.
-- One row per connected application (all quarters; leaves filter on `quarter`). Needs table
-- work_calendar: workdays = workday_seq(connected day) − workday_seq(applied day) (same day =
-- 0; see pipelines/workdays.py); null outside the calendar.
-- Columns:
--   quarter              partition, e.g. 2025Q2
--   unit_code            区划代码 of the unit (warehouse region_code)
--   utility_type         报装类型: 电力 | 用水 | 用气
--   customer_class       用户类别: 高压 | 低压 (电力); 非居民 (用水/用气)
--   step_count           办理环节数
--   connection_fee_yuan  接入费用 (yuan)
--   capacity_kw          报装容量 (kW), electricity only
--   workdays             working days 申请 → 接通 (integer)
create or replace view shared.utility_connections as
with connections as (
    select
        quarter, region_code, utility_type, customer_class, applied_at, connected_at,
        step_count, connection_fee_yuan, capacity_kw
    from warehouse.utility_connections
),

calendar as (
    select day, workday_seq from work_calendar
),

final as (
    select
        c.quarter,
        c.region_code as unit_code,
        c.utility_type,
        c.customer_class,
        c.step_count,
        c.connection_fee_yuan,
        c.capacity_kw,
        ended.workday_seq - started.workday_seq as workdays
    from connections as c
    left join calendar as started on started.day = cast(c.applied_at as date)
    left join calendar as ended on ended.day = cast(c.connected_at as date)
)

select * from final
