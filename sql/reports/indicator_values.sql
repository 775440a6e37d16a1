-- Raw indicator values (leaves) for one quarter and the one before it.
-- Columns: quarter, unit_code, indicator, value, n_cases.
with final as (
    select quarter, unit_code, indicator, value, n_cases
    from scores.indicator_values
    where quarter in ($quarter, $previous)
)

select * from final
order by quarter, indicator, unit_code
