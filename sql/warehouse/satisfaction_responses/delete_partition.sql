delete from warehouse.satisfaction_responses where quarter = $quarter
