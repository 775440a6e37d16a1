select count(*) as loaded_rows from warehouse.satisfaction_responses where quarter = $quarter
