-- One row per loan: seed 000's nine loan factors, the enterprise's indicators as of the first day
-- of the application month (only data from before that date: no look-ahead), and the default
-- label (90+ days past due within 12 months of disbursement; see int_loan_outcomes).
with loans as (
    select * from {{ ref('stg_loans') }}
),

outcomes as (
    select * from {{ ref('int_loan_outcomes') }}
),

panel as (
    select * from {{ ref('int_enterprise_indicators_panel') }}
),

enterprises as (
    select enterprise_id, industry, size_class, region from {{ ref('stg_enterprises') }}
)

select
    loans.loan_id,
    loans.enterprise_id,
    loans.application_date,
    loans.disbursement_date,
    extract(year from loans.application_date) as application_year,
    -- seed 000's nine factors
    loans.pre_loan_rating,
    loans.daily_avg_deposit,
    enterprises.industry,
    loans.term_months,
    loans.amount,
    loans.guarantee_method,
    loans.product,
    loans.has_negative_credit_info,
    loans.epidemic_impacted,
    loans.interest_rate,
    enterprises.size_class,
    enterprises.region,
    cast(date_trunc('month', loans.application_date) as date) as indicator_as_of_date,
    panel.* exclude (enterprise_id, as_of_date, industry, region, size_class),
    outcomes.label_status,
    case outcomes.label_status when 'defaulted' then 1 when 'performing' then 0 end as is_default,
    outcomes.first_default_month,
    outcomes.months_to_default,
    outcomes.max_days_past_due_in_window
from loans
inner join enterprises on enterprises.enterprise_id = loans.enterprise_id
inner join outcomes on outcomes.loan_id = loans.loan_id
left join panel
    on panel.enterprise_id = loans.enterprise_id
    and panel.as_of_date = cast(date_trunc('month', loans.application_date) as date)
