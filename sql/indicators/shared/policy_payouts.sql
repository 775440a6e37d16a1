-- shared.policy_payouts: warehouse.policy_payouts (惠企政策兑现, one row per payout; all
-- quarters, leaves filter on `quarter`, the quarter of 拨付时间) with the time to pay in
-- working days, by the macro workdays_between (sql/calendar/, over table work_calendar):
-- workday_seq(拨付 day) − workday_seq(审核通过 day); null when a time is missing or outside
-- the calendar.
-- Columns:
--   quarter      partition, e.g. 2025Q2
--   unit_code    区划代码 of the unit (warehouse region_code)
--   credit_code  统一社会信用代码 of the firm paid
--   policy_type  政策类型
--   payout_mode  兑现方式
--   workdays     working days 审核通过时间 (approved_at) → 拨付时间 (paid_at)
create or replace view shared.policy_payouts as
with payouts as (
    select quarter, region_code, credit_code, policy_type, payout_mode, approved_at, paid_at
    from warehouse.policy_payouts
),

final as (
    select
        quarter,
        region_code as unit_code,
        credit_code,
        policy_type,
        payout_mode,
        workdays_between(approved_at, paid_at) as workdays
    from payouts
)

select * from final
