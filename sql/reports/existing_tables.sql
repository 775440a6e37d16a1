-- Which of the tables the bulletin reads exist (schema.table names).
select table_schema || '.' || table_name as qualified_name
from information_schema.tables
order by qualified_name
