-- Non-empty comments (意见建议, free text from firms: escape on output) of one quarter.
-- Columns: department, score_overall, response_id, comment.
with responses as (
    select rated_dept, score_overall, response_id, trim(comment) as comment
    from warehouse.satisfaction_responses
    where quarter = $quarter and rated_dept is not null
),

final as (
    select rated_dept as department, score_overall, response_id, comment
    from responses
    where comment is not null and comment <> ''
)

select * from final
order by department, score_overall, response_id
