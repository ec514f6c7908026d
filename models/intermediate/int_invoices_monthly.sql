-- Invoice flows per enterprise and calendar month (only months with invoices).
-- Valid invoices count; voided ones only in the void measures. Red-letter (negative) invoices
-- are netted into net amounts and counted separately.
-- Every month with invoices, also after the final as-of date: the panel cuts at the as-of date,
-- which moves with a new month while these rows don't (docs/performance.md "Incremental models").
select
    enterprise_id,
    cast(date_trunc('month', issue_date) as date) as month,

    sum(amount) filter (where direction = 'sales' and status = 'valid') as sales_net_amount,
    sum(tax) filter (where direction = 'sales' and status = 'valid') as sales_net_tax,
    sum(amount) filter (where direction = 'sales' and status = 'valid' and amount > 0) as sales_gross_amount,
    -sum(amount) filter (where direction = 'sales' and status = 'valid' and amount < 0) as sales_red_amount,
    count(*) filter (where direction = 'sales' and status = 'valid' and amount > 0) as sales_orders,
    count(*) filter (where direction = 'sales' and status = 'valid' and amount < 0) as sales_red_count,
    count(*) filter (where direction = 'sales') as sales_invoices,
    count(*) filter (where direction = 'sales' and status = 'voided') as sales_voided,
    sum(abs(amount)) filter (where direction = 'sales') as sales_abs_amount,
    sum(abs(amount)) filter (where direction = 'sales' and status = 'voided') as sales_voided_abs_amount,

    sum(amount) filter (where direction = 'purchase' and status = 'valid') as purchase_net_amount,
    sum(tax) filter (where direction = 'purchase' and status = 'valid') as purchase_net_tax,
    sum(amount) filter (where direction = 'purchase' and status = 'valid' and amount > 0) as purchase_gross_amount,
    count(*) filter (where direction = 'purchase' and status = 'valid' and amount > 0) as purchase_orders,
    count(*) filter (where direction = 'purchase') as purchase_invoices,
    count(*) filter (where direction = 'purchase' and status = 'voided') as purchase_voided,

    count(*) filter (where status = 'valid') as valid_invoices,
    min(issue_date) filter (where status = 'valid') as first_valid_issue_date,
    max(issue_date) filter (where status = 'valid') as last_valid_issue_date
from {{ ref('stg_invoices') }}
group by all
