delete from warehouse.utility_connections where quarter = $quarter
