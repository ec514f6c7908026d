-- One row per enterprise and reporting as-of date: the indicator catalogue of the seed papers
-- (invoices: seeds 002/003; statements: seed 004 X1–X24 and Altman Z''), the bank's rating and
-- the default label where the enterprise has a credit record. The reporting as-of dates are the
-- final as-of date and var('indicator_panel_months') month starts before it.
with panel as (
    select * from {{ ref('int_enterprise_indicators_panel') }}
),

enterprises as (
    select * from {{ ref('stg_enterprises') }}
)

select
    panel.enterprise_id,
    panel.as_of_date,
    panel.as_of_date = {{ final_as_of_date() }} as is_latest,
    panel.industry,
    panel.region,
    panel.size_class,
    panel.enterprise_age_years,
    enterprises.credit_rating,
    enterprises.has_credit_record,
    enterprises.has_defaulted,
    panel.* exclude (enterprise_id, as_of_date, industry, region, size_class, enterprise_age_years)
from panel
inner join enterprises on enterprises.enterprise_id = panel.enterprise_id
where panel.as_of_date >= {{ dbt.dateadd('month', -1 * var('indicator_panel_months'), final_as_of_date()) }}
