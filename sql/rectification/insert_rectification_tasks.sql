-- Insert the tasks opened in a quarter from the registered frame `rectification_task_rows`
-- (columns as scores.rectification_tasks without computed_at); $computed_at is the run's time.
insert into scores.rectification_tasks
with rows as (
    select * from rectification_task_rows
),

final as (
    select
        cast(task_id as varchar) as task_id,
        cast(opened_quarter as varchar) as opened_quarter,
        cast(unit_code as varchar) as unit_code,
        cast(unit_name as varchar) as unit_name,
        cast(indicator_code as varchar) as indicator_code,
        cast(indicator_name as varchar) as indicator_name,
        cast(lead_department as varchar) as lead_department,
        cast(trigger as varchar) as trigger,
        cast(baseline_value as double) as baseline_value,
        cast(baseline_score as double) as baseline_score,
        cast(baseline_rank as integer) as baseline_rank,
        cast(units_ranked as integer) as units_ranked,
        cast(target_rank as integer) as target_rank,
        cast(target_score as double) as target_score,
        cast(target_text as varchar) as target_text,
        cast(deadline_quarter as varchar) as deadline_quarter,
        cast(deadline_date as date) as deadline_date,
        cast($computed_at as timestamptz) as computed_at
    from rows
)

select * from final
