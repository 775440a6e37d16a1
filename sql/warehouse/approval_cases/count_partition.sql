select count(*) as loaded_rows from warehouse.approval_cases where quarter = $quarter
