-- The live book at the last reported month (int_data_calendar): every loan with a positive balance, its terms, the
-- enterprise's current PD (enterprise_pd: 1 when in default) and grade, industry and size, and
-- its monitoring status; the input of marts.portfolio_exposure.
with latest as (
    select * from {{ ref('loan_monitoring') }}
    where month = {{ last_reported_month() }}
      and balance > 0
)

select
    latest.loan_id,
    latest.enterprise_id,
    latest.month,
    latest.balance,
    loans.guarantee_method,
    greatest(date_diff('month', latest.month, {{ dbt.dateadd('month', 'loans.term_months', 'loans.disbursement_date') }}), 0) / 12.0
        as remaining_term_years,
    enterprise_pd.pd,
    enterprise_pd.grade,
    enterprise_pd.industry,
    enterprise_pd.annual_sales,
    latest.monitoring_status as status
from latest
inner join {{ ref('stg_loans') }} as loans on loans.loan_id = latest.loan_id
left join {{ ref('enterprise_pd') }} as enterprise_pd on enterprise_pd.enterprise_id = latest.enterprise_id
