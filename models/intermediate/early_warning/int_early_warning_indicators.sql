-- Every indicator a signal of seeds/early_warning_rules.csv reads, per enterprise and panel
-- as-of date, point in time like the panel: monthly invoice aggregates of months before the
-- as-of month, loan reports before it, the PD given at it. Columns are named as the seed's
-- `indicator`; NULL where the indicator cannot be computed (then the signal does not fire).
with panel as (
    select * from {{ ref('enterprise_indicators') }}
),

monthly as (
    select * from {{ ref('int_invoices_monthly') }}
),

invoice_windows as (
    -- monthly sums over the windows the rules compare, from the months before the as-of date
    select
        panel.enterprise_id,
        panel.as_of_date,
        sum(monthly.sales_net_amount) filter (where monthly.month >= panel.as_of_date - interval 3 month) as sales_3m,
        sum(monthly.sales_net_amount) filter (where monthly.month >= panel.as_of_date - interval 15 month
                                                and monthly.month < panel.as_of_date - interval 12 month) as sales_3m_year_before,
        max(monthly.month) filter (where monthly.sales_invoices > 0) as last_sales_month,
        sum(monthly.sales_voided + monthly.purchase_voided) filter (where monthly.month >= panel.as_of_date - interval 3 month) as voided_3m,
        sum(monthly.sales_invoices + monthly.purchase_invoices) filter (where monthly.month >= panel.as_of_date - interval 3 month) as invoices_3m,
        sum(monthly.sales_red_count) filter (where monthly.month >= panel.as_of_date - interval 3 month) as red_3m,
        sum(monthly.sales_orders + monthly.sales_red_count) filter (where monthly.month >= panel.as_of_date - interval 3 month) as sales_docs_3m,
        -- the typical month of the last 12: median of the monthly ratios (months with invoices)
        median({{ safe_divide('monthly.sales_voided + monthly.purchase_voided', 'monthly.sales_invoices + monthly.purchase_invoices') }})
            filter (where monthly.month >= panel.as_of_date - interval 12 month) as void_ratio_median_12m,
        median({{ safe_divide('monthly.sales_red_count', 'monthly.sales_orders + monthly.sales_red_count') }})
            filter (where monthly.month >= panel.as_of_date - interval 12 month) as red_ratio_median_12m,
        sum(monthly.sales_net_tax - monthly.purchase_net_tax) filter (where monthly.month >= panel.as_of_date - interval 12 month) as vat_12m,
        sum(monthly.sales_net_amount) filter (where monthly.month >= panel.as_of_date - interval 12 month) as sales_12m,
        sum(monthly.sales_net_tax - monthly.purchase_net_tax) filter (where monthly.month < panel.as_of_date - interval 12 month) as vat_prior_12m,
        sum(monthly.sales_net_amount) filter (where monthly.month < panel.as_of_date - interval 12 month) as sales_prior_12m
    from panel
    inner join monthly
        on monthly.enterprise_id = panel.enterprise_id
        and monthly.month < panel.as_of_date
        and monthly.month >= panel.as_of_date - interval 24 month
    group by all
),

counterparties as (
    select * from {{ ref('int_invoice_counterparty_monthly') }}
),

customer_windows as (
    -- each customer's purchases in the year before the last 3 months, and in the last 3 months
    select
        panel.enterprise_id,
        panel.as_of_date,
        c.counterparty_id,
        sum(c.gross_amount) filter (where c.month < panel.as_of_date - interval 3 month) as amount_before,
        sum(c.gross_amount) filter (where c.month >= panel.as_of_date - interval 3 month) as amount_recent
    from panel
    inner join counterparties as c
        on c.enterprise_id = panel.enterprise_id
        and c.direction = 'sales'
        and c.month < panel.as_of_date
        and c.month >= panel.as_of_date - interval 15 month
    group by all
),

customers as (
    select
        enterprise_id,
        as_of_date,
        -- the largest customer of the year before made no purchase in the last 3 months
        case when sum(amount_before) > 0
             then cast(coalesce(arg_max(amount_recent, amount_before), 0) = 0 and sum(amount_recent) > 0 as integer) end
            as largest_customer_lost,
        max(amount_recent) / nullif(sum(amount_recent), 0) - max(amount_before) / nullif(sum(amount_before), 0)
            as top_customer_share_jump
    from customer_windows
    group by all
),

suppliers as (
    select
        panel.enterprise_id,
        panel.as_of_date,
        count(distinct c.counterparty_id) filter (where c.month >= panel.as_of_date - interval 12 month) as suppliers_12m,
        count(distinct c.counterparty_id) filter (where c.month < panel.as_of_date - interval 12 month) as suppliers_prior_12m
    from panel
    inner join counterparties as c
        on c.enterprise_id = panel.enterprise_id
        and c.direction = 'purchase'
        and c.month < panel.as_of_date
        and c.month >= panel.as_of_date - interval 24 month
    group by all
),

history as (
    -- the decision model's grades: the point-in-time champion, else the snapshot champions
    select enterprise_id, as_of_date, pd, grade
    from {{ ref('enterprise_pd_history') }}
    where is_champion
    qualify row_number() over (partition by enterprise_id, as_of_date order by variant = 'point_in_time' desc, variant) = 1
),

negative_info as (
    select panel.enterprise_id, panel.as_of_date, max(cast(loans.has_negative_credit_info as integer)) as new_negative_credit_info
    from panel
    inner join {{ ref('stg_loans') }} as loans
        on loans.enterprise_id = panel.enterprise_id
        and loans.application_date < panel.as_of_date
        and loans.application_date >= panel.as_of_date - interval 3 month
    group by all
),

stress as (
    select industry, max(pd_multiplier) as industry_stress_pd_multiplier
    from {{ ref('industry_stress_shocks') }}
    group by all
),

altman as (
    select
        enterprise_id,
        as_of_date,
        -- in the distress zone now, and not 12 months before (or no statement then)
        case when altman_zone = 'distress' then
            cast(coalesce(lag(altman_zone, 12) over (partition by enterprise_id order by as_of_date), 'none') <> 'distress' as integer)
        end as altman_distress_entry
    from {{ ref('int_enterprise_indicators_panel') }}
)

select
    panel.enterprise_id,
    panel.as_of_date,
    panel.industry,
    {{ safe_divide('w.sales_3m', 'w.sales_3m_year_before') }} as sales_3m_vs_last_year,
    case when panel.first_invoice_date is not null
         then date_diff('month', coalesce(w.last_sales_month, cast(date_trunc('month', panel.first_invoice_date) as date)), panel.as_of_date) - 1
    end as months_without_sales_invoice,
    -- a median of 0 voids is floored at 1%, so a firm that never voided and suddenly does still counts
    {{ safe_divide('w.voided_3m', 'w.invoices_3m') }} / greatest(w.void_ratio_median_12m, 0.01) as void_ratio_spike,
    {{ safe_divide('w.red_3m', 'w.sales_docs_3m') }} / greatest(w.red_ratio_median_12m, 0.01) as red_letter_spike,
    customers.largest_customer_lost,
    customers.top_customer_share_jump,
    case when suppliers.suppliers_prior_12m >= 2 then suppliers.suppliers_12m / suppliers.suppliers_prior_12m end
        as suppliers_12m_vs_prior,
    case when w.vat_prior_12m > 0 and w.sales_prior_12m > 0 and w.sales_12m > 0
         then (w.vat_12m / w.sales_12m) / (w.vat_prior_12m / w.sales_prior_12m) end as vat_burden_12m_vs_prior,
    panel.current_days_past_due,
    history.grade - history_3m.grade as grade_change_3m,
    history.pd,
    history.grade,
    altman.altman_distress_entry,
    coalesce(negative_info.new_negative_credit_info, 0) as new_negative_credit_info,
    coalesce(stress.industry_stress_pd_multiplier, 1.0) as industry_stress_pd_multiplier,
    panel.is_in_default,
    panel.has_credit_record,
    panel.outstanding_balance,
    panel.live_loans
from panel
left join invoice_windows as w on w.enterprise_id = panel.enterprise_id and w.as_of_date = panel.as_of_date
left join customers on customers.enterprise_id = panel.enterprise_id and customers.as_of_date = panel.as_of_date
left join suppliers on suppliers.enterprise_id = panel.enterprise_id and suppliers.as_of_date = panel.as_of_date
left join history on history.enterprise_id = panel.enterprise_id and history.as_of_date = panel.as_of_date
left join history as history_3m
    on history_3m.enterprise_id = panel.enterprise_id and history_3m.as_of_date = panel.as_of_date - interval 3 month
left join altman on altman.enterprise_id = panel.enterprise_id and altman.as_of_date = panel.as_of_date
left join negative_info on negative_info.enterprise_id = panel.enterprise_id and negative_info.as_of_date = panel.as_of_date
left join stress on stress.industry = panel.industry
