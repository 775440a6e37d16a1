-- Insert one quarter's indicator values from the registered frame `indicator_value_rows`
-- (columns unit_code, indicator, value, n_cases); runs after delete_indicator_values in the
-- same transaction.
insert into scores.indicator_values
with computed as (
    select unit_code, indicator, value, n_cases from indicator_value_rows
),

final as (
    select
        $quarter as quarter,
        cast(unit_code as varchar) as unit_code,
        cast(indicator as varchar) as indicator,
        cast(value as double) as value,
        cast(n_cases as bigint) as n_cases
    from computed
)

select * from final
