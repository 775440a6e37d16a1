-- Raw indicator values (leaves) for one quarter and the one before it.
-- Columns: quarter, unit_code, indicator, value, n_cases.
-- {values_table} is one of data.INDICATOR_VALUES_TABLES (an identifier, never user input).
with final as (
    select quarter, unit_code, indicator, value, n_cases
    from {values_table}
    where quarter in ($quarter, $previous)
)
select * from final
order by quarter, indicator, unit_code
