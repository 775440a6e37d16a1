-- One quarter of scores.rank_sensitivity (previews, reports), the ranking's mean absolute
-- rank shift first, then units; factors by decreasing total index.
--   quarter, output, factor, factor_label, s1, s1_conf, st, st_conf, base_samples
with stored as (
    select
        quarter,
        output,
        factor,
        factor_label,
        s1,
        s1_conf,
        st,
        st_conf,
        base_samples
    from scores.rank_sensitivity
),

final as (
    select * from stored
    where quarter = $quarter
    order by output != 'mean_abs_rank_shift', output asc, st desc nulls last, factor asc
)

select * from final
