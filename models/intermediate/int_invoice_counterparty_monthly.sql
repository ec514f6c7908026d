-- Gross valid invoice amount per enterprise, direction, counterparty and month, with what the
-- cumulative concentration measures need (see int_invoice_concentration_monthly). Every month,
-- also after the final as-of date (the panel cuts there): a running sum never looks ahead.
with flows as (
    select
        enterprise_id,
        direction,
        counterparty_id,
        cast(date_trunc('month', issue_date) as date) as month,
        sum(amount) as gross_amount
    from {{ ref('stg_invoices') }}
    where status = 'valid' and amount > 0 and counterparty_id is not null
    group by all
)

select
    *,
    -- cumulative amount with this counterparty up to and including the month
    sum(gross_amount) over (partition by enterprise_id, direction, counterparty_id order by month
                            rows between unbounded preceding and current row) as cumulative_amount,
    row_number() over (partition by enterprise_id, direction, counterparty_id order by month) = 1 as is_first_month
from flows
