delete from staging.satisfaction_responses where quarter = $quarter
