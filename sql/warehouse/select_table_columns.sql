-- The columns of the staging and warehouse tables that exist (ensure_schema adds the rest).
--   schema_name, table_name, column_name
select
    schema_name,
    table_name,
    column_name
from duckdb_columns()
where database_name = current_database() and schema_name in ('staging', 'warehouse')
