delete from staging.approval_cases where quarter = $quarter
