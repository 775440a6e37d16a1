-- The first failing cells of one version, in the department's terms (Chinese labels).
select
    row_number as 行号,
    column_header as 列名,
    value as 值,
    rule as 规则,
    message as 说明
from intake.validation_errors
where source = $source and quarter = $quarter and submission_hash = $hash
order by row_number nulls first, column_header
limit $limit
