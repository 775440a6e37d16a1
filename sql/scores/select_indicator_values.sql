-- Indicator values of the quarter $quarter and every earlier quarter (the earlier ones are
-- the history pool of frontier_observed bounds), in the engine's input shape.
--   period     quarter, e.g. 2025Q2
--   unit       区划代码
--   indicator  leaf code
--   value      raw value (null = missing)
with stored as (
    select quarter, unit_code, indicator, value from scores.indicator_values
),

final as (
    select quarter as period, unit_code as unit, indicator, value
    from stored
    where quarter <= $quarter
    order by quarter, unit_code, indicator
)

select * from final
