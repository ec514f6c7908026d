-- Totals of the live book (grain: grouping_level, group_value): overall and by industry, grade
-- and monitoring status. Filter on grouping_level before summing: each level adds up to the total.
with book as (
    select * from {{ ref('portfolio_exposure') }}
),

grouped as (
    select
        case
            when grouping(industry) = 0 then 'industry'
            when grouping(grade) = 0 then 'grade'
            when grouping(status) = 0 then 'status'
            else 'overall'
        end as grouping_level,
        coalesce(industry, cast(grade as varchar), status, 'all') as group_value,
        count(*) as loans,
        count(distinct enterprise_id) as enterprises,
        sum(exposure) as exposure,
        sum(expected_loss) as expected_loss,
        sum(capital) as capital,
        sum(expected_loss) / nullif(sum(exposure), 0) as expected_loss_rate,
        sum(pd * exposure) / nullif(sum(exposure) filter (where pd is not null), 0) as exposure_weighted_pd
    from book
    group by grouping sets ((), (industry), (grade), (status))
)

select * from grouped
