delete from warehouse.loan_balances where quarter = $quarter
