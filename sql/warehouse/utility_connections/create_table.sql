-- warehouse.utility_connections: accepted rows: the version in force for each quarter (read by indicators).
-- 水电气报装 (供电公司/水务/燃气): one row per connected application; belongs to the quarter of connected_at.
--   quarter          partition, e.g. 2025Q2
--   submission_hash  sha256 of the submitted file these rows came from
--   source_row       row number in the department's file (header = 1)
--   application_id   报装编号, unique within the quarter
--   region_code      区划代码
--   utility_type     报装类型: 电力 | 用水 | 用气
--   customer_class   用户类别: 高压 | 低压 (电力); 非居民 (用水/用气)
--   applied_at       申请时间
--   connected_at     接通时间, >= applied_at
--   step_count       办理环节数
--   material_count   申请材料数
--   connection_fee_yuan 接入费用 (yuan), >= 0
--   capacity_kw      报装容量 (kW), electricity only
create table if not exists warehouse.utility_connections (
    quarter varchar not null,
    submission_hash varchar not null,
    source_row bigint not null,
    application_id varchar,
    region_code varchar,
    utility_type varchar,
    customer_class varchar,
    applied_at timestamp,
    connected_at timestamp,
    step_count bigint,
    material_count bigint,
    connection_fee_yuan double,
    capacity_kw double
)
