-- One row per usable loan and month; exact duplicate rows collapsed (source_row_count > 1).
select
    loan_id,
    month,
    balance,
    days_past_due,
    count(*) as source_row_count,
    min(source_file) as source_file
from {{ ref('base_loan_performance') }}
where quarantine_reason is null
group by all
