-- Sobol indices of the ranking's mean absolute rank shift in the bulletin's quarter (method
-- appendix: which input moves the ranks most). Columns: factor, factor_label, s1, st,
-- base_samples; largest total index first.
with stored as (
    select
        quarter,
        output,
        factor,
        factor_label,
        s1,
        st,
        base_samples
    from scores.rank_sensitivity
),

final as (
    select
        factor,
        factor_label,
        s1,
        st,
        base_samples
    from stored
    where quarter = $quarter and output = 'mean_abs_rank_shift'
)

select * from final
order by st desc nulls last, factor asc
