-- Gross valid invoice amount per enterprise, direction, counterparty and month, with what the
-- cumulative concentration measures need (see int_invoice_concentration_monthly).
with flows as (
    select
        enterprise_id,
        direction,
        counterparty_id,
        cast(date_trunc('month', issue_date) as date) as month,
        sum(amount) as gross_amount
    from {{ ref('stg_invoices') }}
    where status = 'valid' and amount > 0 and counterparty_id is not null
      and issue_date < {{ final_as_of_date() }}
    group by all
)

select
    *,
    -- cumulative amount with this counterparty up to and including the month
    sum(gross_amount) over (partition by enterprise_id, direction, counterparty_id order by month
                            rows between unbounded preceding and current row) as cumulative_amount,
    row_number() over (partition by enterprise_id, direction, counterparty_id order by month) = 1 as is_first_month
from flows
