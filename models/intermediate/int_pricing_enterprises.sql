-- One row per enterprise with the inputs of RAROC pricing and its CUMCM question:
-- q1 = enterprises with a credit record (rated; budget total_budget_q1),
-- q2 = enterprises without one (budget total_budget, 100 million yuan).
-- as_of_date (enterprise_pd's final as-of date) is carried into every pricing mart.
-- LGD is left NULL: pricing applies lgd_default (30%, seed 002); enterprises carry no guarantee.
select
    as_of_date,
    enterprise_id,
    case when has_credit_record then 'q1' else 'q2' end as question,
    pd,
    grade,
    credit_rating,
    industry,
    annual_sales,
    cast(null as double) as lgd
from {{ ref('enterprise_pd') }}
