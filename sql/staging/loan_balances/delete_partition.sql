delete from staging.loan_balances where quarter = $quarter
