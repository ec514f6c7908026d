-- Per enterprise, direction and month: the changes that month brings to the cumulative
-- counterparty measures. With S = a counterparty's cumulative amount (non-decreasing, as only
-- gross positive amounts count), the sum of squares over counterparties grows by S² − (S − g)²
-- in a month with amount g, so the running sum of these changes gives Σ S² at every month
-- without materialising every counterparty at every month.
select
    enterprise_id,
    direction,
    month,
    sum(cumulative_amount * cumulative_amount
        - (cumulative_amount - gross_amount) * (cumulative_amount - gross_amount)) as delta_sum_squares,
    count(*) filter (where is_first_month) as new_counterparties,
    max(cumulative_amount) as max_cumulative_amount,
    sum(gross_amount) as gross_amount
from {{ ref('int_invoice_counterparty_monthly') }}
group by all
