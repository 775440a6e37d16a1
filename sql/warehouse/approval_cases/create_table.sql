-- warehouse.approval_cases: accepted rows: the version in force for each quarter (read by indicators).
-- 政务服务办件 (数据局): one row per completed administrative case; a case belongs to the quarter of completed_at.
--   quarter          partition, e.g. 2025Q2
--   submission_hash  sha256 of the submitted file these rows came from
--   source_row       row number in the department's file (header = 1)
--   case_id          办件编号, unique within the quarter
--   region_code      区划代码, 6-digit unit code from config/regions.yaml
--   category         事项类别: 企业开办 | 工程建设项目审批 | 不动产登记 | 其他政务服务
--   item_name        事项名称
--   dept             受理部门, canonical registry name
--   accepted_at      受理时间 (Asia/Shanghai wall time)
--   completed_at     办结时间 (Asia/Shanghai wall time), >= accepted_at
--   statutory_limit_days 法定时限 (working days)
--   promised_limit_days 承诺时限 (working days), <= statutory
--   suspended_days   特殊环节用时 (working days: 补正、公示、专家评审、听证…; empty = 0)
--   material_count   申请材料数
--   visit_count      跑动次数 (in-person visits)
--   step_count       办理环节数
--   is_online        是否网办
create table if not exists warehouse.approval_cases (
    quarter varchar not null,
    submission_hash varchar not null,
    source_row bigint not null,
    case_id varchar,
    region_code varchar,
    category varchar,
    item_name varchar,
    dept varchar,
    accepted_at timestamp,
    completed_at timestamp,
    statutory_limit_days bigint,
    promised_limit_days bigint,
    suspended_days bigint,
    material_count bigint,
    visit_count bigint,
    step_count bigint,
    is_online boolean
)
