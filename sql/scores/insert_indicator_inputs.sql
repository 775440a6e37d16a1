-- Insert one quarter's lineage rows: for each leaf, the warehouse partitions its SQL file
-- reads (registered frame `indicator_sources`: indicator, sql_file, source_table,
-- input_quarter), resolved per unit to the submission_hash of the rows in force.
-- Runs after delete_indicator_inputs in the same transaction.
insert into scores.indicator_inputs
with sources as (
    select indicator, sql_file, source_table, input_quarter from indicator_sources
),

partitions as (
    select
        'approval_cases' as source_table, quarter, region_code, submission_hash,
        count(*) as partition_rows
    from warehouse.approval_cases
    where quarter in (select s.input_quarter from sources as s)
    group by all
    union all
    select
        'utility_connections' as source_table, quarter, region_code, submission_hash,
        count(*) as partition_rows
    from warehouse.utility_connections
    where quarter in (select s.input_quarter from sources as s)
    group by all
    union all
    select
        'loan_balances' as source_table, quarter, region_code, submission_hash,
        count(*) as partition_rows
    from warehouse.loan_balances
    where quarter in (select s.input_quarter from sources as s)
    group by all
    union all
    select
        'satisfaction_responses' as source_table, quarter, region_code, submission_hash,
        count(*) as partition_rows
    from warehouse.satisfaction_responses
    where quarter in (select s.input_quarter from sources as s)
    group by all
),

final as (
    select
        $quarter as quarter,
        s.indicator,
        s.sql_file,
        s.source_table,
        s.input_quarter,
        p.region_code as unit_code,
        p.submission_hash,
        p.partition_rows
    from sources as s
    inner join partitions as p
        on s.source_table = p.source_table and s.input_quarter = p.quarter
    where p.region_code is not null
)

select * from final
