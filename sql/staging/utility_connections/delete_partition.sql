delete from staging.utility_connections where quarter = $quarter
