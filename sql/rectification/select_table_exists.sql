-- Whether table $schema.$table exists: one row with `n` (0 or 1).
with tables as (
    select table_name
    from information_schema.tables
    where table_schema = $schema and table_name = $table
),

final as (
    select count(*) as n from tables
)

select * from final
