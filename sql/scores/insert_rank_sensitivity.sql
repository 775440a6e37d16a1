-- Insert one quarter's Sobol indices from the registered frame `rank_sensitivity_rows`
-- (RobustnessResult.sensitivity: output, factor, factor_label, s1, s1_conf, st, st_conf);
-- runs after delete_rank_sensitivity in the same transaction.
insert into scores.rank_sensitivity
with result_rows as (
    select output, factor, factor_label, s1, s1_conf, st, st_conf from rank_sensitivity_rows
),

final as (
    select
        $quarter as quarter,
        cast(output as varchar) as output,
        cast(factor as varchar) as factor,
        cast(factor_label as varchar) as factor_label,
        cast(s1 as double) as s1,
        cast(s1_conf as double) as s1_conf,
        cast(st as double) as st,
        cast(st_conf as double) as st_conf,
        cast($base_samples as integer) as base_samples
    from result_rows
)

select * from final
