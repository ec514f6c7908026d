-- Per enterprise: the months with usable invoices against the months between its first and its
-- last invoice month. A gap means a month of invoices may be missing from the delivery (or the
-- enterprise really had no activity): indicators over a window with a gap read low.
with months as (
    select enterprise_id, date_trunc('month', issue_date) as month, sum(source_row_count) as invoices
    from {{ ref('stg_invoices') }}
    group by all
),

spans as (
    select
        enterprise_id,
        cast(min(month) as date) as first_invoice_month,
        cast(max(month) as date) as last_invoice_month,
        count(*) as months_with_invoices,
        datediff('month', min(month), max(month)) + 1 as expected_months
    from months
    group by enterprise_id
),

gaps as (
    select spans.enterprise_id, cast(g.month as date) as month
    from spans
    cross join lateral (
        select unnest(generate_series(cast(spans.first_invoice_month as timestamp), cast(spans.last_invoice_month as timestamp), interval 1 month)) as month
    ) as g
    anti join months on months.enterprise_id = spans.enterprise_id and months.month = g.month
),

gap_lists as (
    select enterprise_id, min(month) as first_missing_month, string_agg(strftime(month, '%Y-%m'), ', ' order by month) as missing_month_list
    from gaps
    group by enterprise_id
)

select
    spans.enterprise_id,
    spans.first_invoice_month,
    spans.last_invoice_month,
    spans.expected_months,
    spans.months_with_invoices,
    spans.expected_months - spans.months_with_invoices as missing_months,
    spans.months_with_invoices / spans.expected_months as coverage_ratio,
    gap_lists.first_missing_month,
    gap_lists.missing_month_list
from spans
left join gap_lists using (enterprise_id)
order by spans.enterprise_id
