-- One row per usable loan; exact duplicate rows collapsed (source_row_count > 1).
select
    loan_id,
    enterprise_id,
    application_date,
    disbursement_date,
    product,
    amount,
    term_months,
    interest_rate,
    guarantee_method,
    pre_loan_rating,
    daily_avg_deposit,
    has_negative_credit_info,
    epidemic_impacted,
    count(*) as source_row_count,
    min(source_file) as source_file
from {{ ref('base_loans') }}
where quarantine_reason is null
group by all
