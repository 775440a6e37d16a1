-- One quarter of scores.indicator_values, joined to nothing (for previews and checks).
--   quarter, unit_code, indicator, value, n_cases
select quarter, unit_code, indicator, value, n_cases
from scores.indicator_values
where quarter = $quarter
order by unit_code, indicator
