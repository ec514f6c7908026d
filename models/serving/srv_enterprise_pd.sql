-- Grain: one row per enterprise: the decision PD at the latest as-of date (marts.enterprise_pd),
-- with its grade label and industry name.
select
    enterprise_pd.enterprise_id,
    enterprise_pd.as_of_date,
    enterprise_pd.pd,
    enterprise_pd.score,
    cast(enterprise_pd.grade as integer) as grade,
    master_scale.grade_label,
    enterprise_pd.pd_source,
    enterprise_pd.pd_horizon_months,
    enterprise_pd.is_in_default,
    enterprise_pd.pd_variant,
    enterprise_pd.pd_model,
    enterprise_pd.industry,
    coalesce(industries.industry_name, enterprise_pd.industry) as industry_name,
    enterprise_pd.size_class,
    enterprise_pd.region,
    enterprise_pd.credit_rating,
    enterprise_pd.has_credit_record,
    cast(enterprise_pd.has_defaulted as integer) as observed_default,
    enterprise_pd.annual_sales
from {{ ref('enterprise_pd') }} as enterprise_pd
left join {{ ref('srv_master_scale') }} as master_scale on enterprise_pd.grade = master_scale.grade
left join {{ ref('industries') }} as industries on enterprise_pd.industry = industries.industry
