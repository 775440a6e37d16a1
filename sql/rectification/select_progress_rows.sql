-- The progress ledger rows in force for $quarter (warehouse.rectification_progress).
--   task_id, status, progress, completed_at
with rows as (
    select task_id, status, progress, completed_at, source_row
    from warehouse.rectification_progress
    where quarter = $quarter
),

final as (
    select task_id, status, progress, completed_at
    from rows
    order by source_row
)

select * from final
