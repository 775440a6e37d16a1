delete from warehouse.approval_cases where quarter = $quarter
