-- Benchmark variant b: every leaf of config/framework.yaml for one quarter in one statement,
-- each warehouse table scanned once with conditional aggregates.
-- Output: unit_code, indicator, value, n_cases (as scores.indicator_values).
with calendar as (select day, workday_seq from work_calendar),

approval as (
    select
        a.region_code, a.category, a.material_count, a.visit_count, a.step_count,
        a.is_online, a.promised_limit_days, e.workday_seq - s.workday_seq as wd
    from warehouse.approval_cases as a
    left join calendar as s on s.day = cast(a.accepted_at as date)
    left join calendar as e on e.day = cast(a.completed_at as date)
    where a.quarter = $quarter
),

approval_agg as (
    select
        region_code,
        avg(wd) filter (where category = '企业开办') as e01_01,
        count(wd) filter (where category = '企业开办') as n01_01,
        avg(material_count) filter (where category = '企业开办') as e01_02,
        count(material_count) filter (where category = '企业开办') as n01_02,
        100.0 * avg(cast(is_online as int)) filter (where category = '企业开办') as e01_03,
        count(is_online) filter (where category = '企业开办') as n01_03,
        avg(wd) filter (where category = '工程建设项目审批') as e02_01,
        count(wd) filter (where category = '工程建设项目审批') as n02_01,
        100.0 * avg(cast((wd <= promised_limit_days) as int))
        filter (where category = '工程建设项目审批') as e02_02,
        count(wd <= promised_limit_days) filter (where category = '工程建设项目审批') as n02_02,
        avg(step_count) filter (where category = '工程建设项目审批') as e02_03,
        count(step_count) filter (where category = '工程建设项目审批') as n02_03,
        avg(wd) filter (where category = '不动产登记') as e03_01,
        count(wd) filter (where category = '不动产登记') as n03_01,
        avg(material_count) filter (where category = '不动产登记') as e03_02,
        count(material_count) filter (where category = '不动产登记') as n03_02,
        100.0 * avg(cast(is_online as int)) as e07_01, count(is_online) as n07_01,
        100.0 * avg(cast((visit_count <= 1) as int)) as e07_02, count(visit_count) as n07_02,
        100.0 * avg(cast((wd <= promised_limit_days) as int)) as e07_03,
        count(wd <= promised_limit_days) as n07_03,
        avg(material_count) as e07_04, count(material_count) as n07_04
    from approval group by region_code
),

utility as (
    select u.*, e.workday_seq - s.workday_seq as wd
    from warehouse.utility_connections as u
    left join calendar as s on s.day = cast(u.applied_at as date)
    left join calendar as e on e.day = cast(u.connected_at as date)
    where u.quarter = $quarter
),

utility_agg as (
    select
        region_code,
        avg(wd) filter (where utility_type = '电力' and customer_class = '高压') as e04_01,
        count(wd) filter (where utility_type = '电力' and customer_class = '高压') as n04_01,
        avg(wd) filter (where utility_type = '电力' and customer_class = '低压') as e04_02,
        count(wd) filter (where utility_type = '电力' and customer_class = '低压') as n04_02,
        avg(step_count) filter (where utility_type = '电力') as e04_03,
        count(step_count) filter (where utility_type = '电力') as n04_03,
        sum(
            connection_fee_yuan) filter (where customer_class = '高压' and utility_type = '电力'
        and capacity_kw is not null) / nullif(
            sum(capacity_kw) filter (
                where customer_class = '高压' and utility_type = '电力'
                and connection_fee_yuan is not null
            ), 0
        ) as e04_04,
        count(
            *) filter (
            where customer_class = '高压' and utility_type = '电力'
            and capacity_kw is not null and connection_fee_yuan is not null
        ) as n04_04,
        avg(wd) filter (where utility_type = '用水') as e05_01,
        count(wd) filter (where utility_type = '用水') as n05_01,
        avg(wd) filter (where utility_type = '用气') as e05_02,
        count(wd) filter (where utility_type = '用气') as n05_02,
        avg(connection_fee_yuan) filter (where utility_type in ('用水', '用气')) as e05_03,
        count(connection_fee_yuan) filter (where utility_type in ('用水', '用气')) as n05_03
    from utility group by region_code
),

loans as (
    select
        quarter, region_code, stat_month, total_loans_100m, manufacturing_loans_100m,
        inclusive_sme_loans_100m, inclusive_sme_rate_pct,
        cast(right(stat_month, 2) as integer) % 3 = 0 as month_end
    from warehouse.loan_balances
    where quarter in ($quarter, $previous_quarter, $year_ago_quarter)
),

loans_agg as (
    select
        c.region_code,
        100.0 * (
            max(c.total_loans_100m) filter (where c.month_end)
            / max(y.total_loans_100m) - 1
        ) as e06_01,
        100.0 * max(c.manufacturing_loans_100m / c.total_loans_100m)
        filter (where c.month_end) as e06_02,
        100.0 * (
            max(c.inclusive_sme_loans_100m) filter (where c.month_end)
            / max(p.inclusive_sme_loans_100m) - 1
        ) as e06_03,
        avg(c.inclusive_sme_rate_pct) as e06_04,
        count(c.inclusive_sme_rate_pct) as n06_04
    from loans as c
    left join loans as y
        on
            y.quarter = $year_ago_quarter and y.month_end
            and c.region_code = y.region_code
    left join loans as p
        on
            p.quarter = $previous_quarter and p.month_end
            and c.region_code = p.region_code
    where c.quarter = $quarter
    group by c.region_code
),

satisfaction_agg as (
    select
        region_code,
        20.0 * avg(score_overall) as e08_01, count(score_overall) as n08_01,
        100.0 * avg(cast((score_overall <= 2) as int)) as e08_02, count(score_overall) as n08_02
    from warehouse.satisfaction_responses where quarter = $quarter group by region_code
),

-- The quoted unpivot names keep the leaf codes' case (E01_01), so RF06 does not apply.
-- noqa: disable=RF06
long as (
    unpivot (select * from approval_agg) on
    (e01_01, n01_01) as "E01_01", (e01_02, n01_02) as "E01_02", (e01_03, n01_03) as "E01_03",
    (e02_01, n02_01) as "E02_01", (e02_02, n02_02) as "E02_02", (e02_03, n02_03) as "E02_03",
    (e03_01, n03_01) as "E03_01", (e03_02, n03_02) as "E03_02", (e07_01, n07_01) as "E07_01",
    (e07_02, n07_02) as "E07_02", (e07_03, n07_03) as "E07_03", (e07_04, n07_04) as "E07_04"
    into name indicator value value, n_cases
    union all by name
    unpivot (select * from utility_agg) on
    (e04_01, n04_01) as "E04_01", (e04_02, n04_02) as "E04_02", (e04_03, n04_03) as "E04_03",
    (e04_04, n04_04) as "E04_04", (e05_01, n05_01) as "E05_01", (e05_02, n05_02) as "E05_02",
    (e05_03, n05_03) as "E05_03"
    into name indicator value value, n_cases
    union all by name
    select region_code, 'E06_01' as indicator, e06_01 as value, 2 as n_cases from loans_agg
    union all by name
    select region_code, 'E06_02' as indicator, e06_02 as value, 1 as n_cases from loans_agg
    union all by name
    select region_code, 'E06_03' as indicator, e06_03 as value, 2 as n_cases from loans_agg
    union all by name
    select region_code, 'E06_04' as indicator, e06_04 as value, n06_04 as n_cases
    from loans_agg
    union all by name
    unpivot (select * from satisfaction_agg) on
    (e08_01, n08_01) as "E08_01", (e08_02, n08_02) as "E08_02"
    into name indicator value value, n_cases
),

final as (
    select region_code as unit_code, indicator, value, n_cases
    from long where n_cases > 0 and value is not null
)

select * from final order by indicator, unit_code
