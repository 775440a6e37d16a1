-- Receipts recorded for one version (n), and whether this receipt is among them (known).
select
    count(*) as n,
    count(*) filter (
        where landing_path = $landing_path
        and file_mtime_ns = $file_mtime_ns
        and size_bytes = $size_bytes
    ) as known
from intake.receipts
where source = $source and quarter = $quarter and submission_hash = $hash
