-- Versions received before the given one (by their latest receipt, see select_candidate) and
-- not yet in force (never validated, or validated but never promoted) stay in the archive but
-- are marked superseded: the department's newer (or re-sent) file replaced them.
update intake.submissions
set status = 'superseded'
where
    source = $source and quarter = $quarter
    and submission_hash in (
        with receipts as (
            select
                submission_hash,
                seen_at,
                file_mtime_ns
            from intake.receipts
            where source = $source and quarter = $quarter
            qualify row_number() over (
                partition by submission_hash order by seen_at desc, file_mtime_ns desc
            ) = 1
        ),

        ordered as (
            select
                v.submission_hash,
                v.status,
                coalesce(r.seen_at, v.received_at) as last_seen_at,
                coalesce(r.file_mtime_ns, epoch_ns(v.received_at)) as last_mtime_ns
            from intake.submissions as v
            left join receipts as r on v.submission_hash = r.submission_hash
            where v.source = $source and v.quarter = $quarter
        ),

        given as (
            select
                last_seen_at,
                last_mtime_ns
            from ordered
            where submission_hash = $hash
        ),

        final as (
            select o.submission_hash
            from ordered as o
            cross join given
            where
                o.submission_hash <> $hash
                and o.status in ('received', 'validated')
                and (
                    o.last_seen_at < given.last_seen_at
                    or (
                        o.last_seen_at = given.last_seen_at
                        and o.last_mtime_ns <= given.last_mtime_ns
                    )
                )
        )

        select submission_hash from final
    )
