select count(*) as loaded_rows from warehouse.utility_connections where quarter = $quarter
