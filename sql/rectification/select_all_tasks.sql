-- Every task known (all columns of scores.rectification_tasks), for the ledger's checks.
with final as (
    select *
    from scores.rectification_tasks
    order by task_id
)

select * from final
