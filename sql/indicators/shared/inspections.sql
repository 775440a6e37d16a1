-- shared.inspections: warehouse.inspections (涉企检查, one row per inspection; all quarters,
-- leaves filter on `quarter`, the quarter of 检查日期).
-- Columns:
--   quarter       partition, e.g. 2025Q2
--   unit_code     区划代码 of the unit (warehouse region_code)
--   credit_code   统一社会信用代码 of the firm inspected (null when not given)
--   inspected_on  检查日期
--   method        检查方式 (双随机一公开, 非现场检查, …)
--   is_joint      是否联合检查 = 是 (false when not given)
--   is_random     检查方式 = 双随机一公开 (false when not given)
--   is_offsite    检查方式 = 非现场检查 (false when not given)
create or replace view shared.inspections as
with inspections as (
    select quarter, region_code as unit_code, credit_code, inspected_on, method, is_joint
    from warehouse.inspections
),

final as (
    select
        * replace (coalesce(is_joint, false) as is_joint),
        coalesce(method = '双随机一公开', false) as is_random,
        coalesce(method = '非现场检查', false) as is_offsite
    from inspections
)

select * from final
