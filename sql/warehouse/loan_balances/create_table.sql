-- warehouse.loan_balances: accepted rows: the version in force for each quarter (read by indicators).
-- 金融机构贷款 (人民银行/金融监管局): one row per unit and month-end of the quarter.
--   quarter          partition, e.g. 2025Q2
--   submission_hash  sha256 of the submitted file these rows came from
--   source_row       row number in the department's file (header = 1)
--   region_code      区划代码
--   stat_month       统计月份 YYYY-MM
--   total_loans_100m 各项贷款余额 (100 million yuan)
--   manufacturing_loans_100m 制造业贷款余额 (100 million yuan)
--   inclusive_sme_loans_100m 普惠小微贷款余额 (100 million yuan)
--   inclusive_sme_borrowers 普惠小微贷款户数
--   inclusive_sme_rate_pct 新发放普惠小微贷款加权平均利率 (%)
--   new_sme_loans_100m 新发放普惠小微贷款金额 (100 million yuan, the month's; optional: weights E06_04)
--   first_time_borrowers 首贷户数
create table if not exists warehouse.loan_balances (
    quarter varchar not null,
    submission_hash varchar not null,
    source_row bigint not null,
    region_code varchar,
    stat_month varchar,
    total_loans_100m double,
    manufacturing_loans_100m double,
    inclusive_sme_loans_100m double,
    inclusive_sme_borrowers bigint,
    inclusive_sme_rate_pct double,
    new_sme_loans_100m double,
    first_time_borrowers bigint
)
