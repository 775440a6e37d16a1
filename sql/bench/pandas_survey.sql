-- Benchmark variant c (pandas): the survey rows it reads for one quarter.
select region_code, score_overall
from warehouse.satisfaction_responses
where quarter = $quarter
