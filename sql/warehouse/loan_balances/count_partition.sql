select count(*) as loaded_rows from warehouse.loan_balances where quarter = $quarter
