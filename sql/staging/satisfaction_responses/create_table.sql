-- staging.satisfaction_responses: typed rows of the version under validation (not read by indicators).
-- 企业满意度测评 (工商联/第三方): one row per questionnaire rating one department.
--   quarter          partition, e.g. 2025Q2
--   submission_hash  sha256 of the submitted file these rows came from
--   source_row       row number in the department's file (header = 1)
--   response_id      问卷编号, unique within the quarter
--   credit_code      统一社会信用代码 (GB 32100-2015)
--   region_code      区划代码 of the firm
--   rated_dept       评价部门, canonical registry name
--   submitted_at     填报时间
--   score_attitude   服务态度 1-5
--   score_efficiency 办事效率 1-5
--   score_policy     政策落实 1-5
--   score_integrity  廉洁自律 1-5
--   score_overall    总体满意度 1-5
--   comment          意见建议 (free text, may be empty; department-supplied: escape on output)
create table if not exists staging.satisfaction_responses (
    quarter varchar not null,
    submission_hash varchar not null,
    source_row bigint not null,
    response_id varchar,
    credit_code varchar,
    region_code varchar,
    rated_dept varchar,
    submitted_at timestamp,
    score_attitude bigint,
    score_efficiency bigint,
    score_policy bigint,
    score_integrity bigint,
    score_overall bigint,
    comment varchar
)
