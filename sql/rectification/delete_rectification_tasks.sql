-- Delete the tasks opened in $quarter (before inserting them again, same transaction).
delete from scores.rectification_tasks where opened_quarter = $quarter
