-- The dates every as-of date and label window is set from, in one row (README "Plausibility
-- rules"). A max() over the data would let one bad row move them (an invoice dated 2031 would
-- push every enterprise's as-of date there), so: rows after the data cut-off are quarantined in
-- staging, and a month counts as reported only when at least var('data_month_min_share') of the
-- peak monthly number of enterprises (invoices) or loans (reports) have rows in it. The panel
-- starts 12 months after the first month of the run of invoice months (no gap of more than 12
-- months) that ends at the last reported month: a stray early invoice can't stretch the panel
-- back (a share rule would cut the CUMCM data's thin first months).
{% set min_share = var('data_month_min_share') %}
with invoice_months as (
    select cast(date_trunc('month', issue_date) as date) as month, count(distinct enterprise_id) as entities
    from {{ ref('stg_invoices') }}
    where status = 'valid' and issue_date <= {{ data_cutoff_date() }}
    group by all
),

invoice_runs as (
    select month, date_diff('month', lag(month) over (order by month), month) as months_since_previous
    from invoice_months
),

report_months as (
    select month, count(distinct loan_id) as entities
    from {{ ref('stg_loan_performance') }}
    where month <= {{ data_cutoff_date() }}
    group by all
),

ends as (
    select
        {{ data_cutoff_date() }} as data_cutoff_date,
        (select max(month) from invoice_months
         where entities >= {{ min_share }} * (select max(entities) from invoice_months)) as last_invoice_month,
        (select max(month) from report_months
         where entities >= {{ min_share }} * (select max(entities) from report_months)) as last_reported_month
),

calendar as (
    select
        ends.*,
        (select max(month) from invoice_runs
         where (months_since_previous is null or months_since_previous > 12)
           and month <= ends.last_invoice_month) as first_invoice_month
    from ends
)

select
    data_cutoff_date,
    first_invoice_month,
    last_invoice_month,
    last_reported_month,
    {%- if var('as_of_date') %}
    cast(date_trunc('month', date '{{ var("as_of_date") }}') as date) as final_as_of_date
    {%- else %}
    -- the month after the last reported invoice month, but never a month the cut-off has not closed
    cast(least(last_invoice_month + interval 1 month,
               date_trunc('month', data_cutoff_date + interval 1 day)) as date) as final_as_of_date
    {%- endif %}
from calendar
