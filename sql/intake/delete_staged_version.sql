-- Forget the completion marker of a staging partition (its rows are being replaced).
delete from intake.staged_versions
where source = $source and quarter = $quarter
