-- Invoice indicators per enterprise at every month-start as-of date after its first invoice.
-- Row (enterprise, as_of_date) uses only invoices issued before as_of_date (point in time):
-- running windows over a dense enterprise × month grid, the month before as_of_date included.
-- Definitions, units and sources: models/marts/indicators/_enterprise_indicators.yml.
-- The monthly inputs hold every month; the as-of cut is here, so they need not change when
-- the final as-of date moves (whole months: the as-of date is a first of month).
with monthly as (
    select * from {{ ref('int_invoices_monthly') }}
    where month < {{ final_as_of_date() }}
),

concentration as (
    select * from {{ ref('int_invoice_concentration_monthly') }}
    where month < {{ final_as_of_date() }}
),

first_months as (
    select enterprise_id, min(month) as first_month
    from monthly
    where valid_invoices > 0
    group by all
),

grid as (
    -- every month from the enterprise's first valid invoice to the month before the final as-of date
    select first_months.enterprise_id, cast(m.month as date) as month
    from first_months
    cross join lateral (
        select unnest(generate_series(first_months.first_month,
                                      {{ final_as_of_date() }} - interval 1 month,
                                      interval 1 month)) as month
    ) as m
),

filled as (
    select
        grid.enterprise_id,
        grid.month,
        row_number() over (partition by grid.enterprise_id order by grid.month) as month_index,
        coalesce(m.sales_net_amount, 0) as sales_net_amount,
        coalesce(m.sales_net_tax, 0) as sales_net_tax,
        coalesce(m.sales_gross_amount, 0) as sales_gross_amount,
        coalesce(m.sales_red_amount, 0) as sales_red_amount,
        coalesce(m.sales_orders, 0) as sales_orders,
        coalesce(m.sales_red_count, 0) as sales_red_count,
        coalesce(m.sales_invoices, 0) as sales_invoices,
        coalesce(m.sales_voided, 0) as sales_voided,
        coalesce(m.sales_abs_amount, 0) as sales_abs_amount,
        coalesce(m.sales_voided_abs_amount, 0) as sales_voided_abs_amount,
        coalesce(m.purchase_net_amount, 0) as purchase_net_amount,
        coalesce(m.purchase_net_tax, 0) as purchase_net_tax,
        coalesce(m.purchase_gross_amount, 0) as purchase_gross_amount,
        coalesce(m.purchase_orders, 0) as purchase_orders,
        coalesce(m.purchase_invoices, 0) as purchase_invoices,
        coalesce(m.purchase_voided, 0) as purchase_voided,
        coalesce(m.valid_invoices, 0) as valid_invoices,
        m.first_valid_issue_date,
        m.last_valid_issue_date,
        coalesce(cs.delta_sum_squares, 0) as customer_delta_sum_squares,
        coalesce(cs.new_counterparties, 0) as new_customers,
        coalesce(cs.max_cumulative_amount, 0) as customer_max_cumulative_amount,
        coalesce(cs.gross_amount, 0) as customer_gross_amount,
        coalesce(cp.delta_sum_squares, 0) as supplier_delta_sum_squares,
        coalesce(cp.new_counterparties, 0) as new_suppliers,
        coalesce(cp.max_cumulative_amount, 0) as supplier_max_cumulative_amount,
        coalesce(cp.gross_amount, 0) as supplier_gross_amount
    from grid
    left join monthly as m
        on grid.enterprise_id = m.enterprise_id and grid.month = m.month
    left join concentration as cs
        on grid.enterprise_id = cs.enterprise_id and grid.month = cs.month and cs.direction = 'sales'
    left join concentration as cp
        on grid.enterprise_id = cp.enterprise_id and grid.month = cp.month and cp.direction = 'purchase'
),

running as (
    select
        enterprise_id,
        cast(month + interval 1 month as date) as as_of_date,
        sum(sales_net_amount) over span as net_sales,
        sum(purchase_net_amount) over span as net_purchases,
        sum(sales_net_tax) over span as sales_tax,
        sum(purchase_net_tax) over span as purchase_tax,
        sum(sales_gross_amount) over span as gross_sales,
        sum(sales_red_amount) over span as red_letter_sales_amount,
        cast(sum(sales_orders) over span as bigint) as sales_orders,
        cast(sum(sales_red_count) over span as bigint) as red_letter_sales_count,
        cast(sum(sales_invoices) over span as bigint) as sales_invoices,
        cast(sum(sales_voided) over span as bigint) as sales_voided,
        sum(sales_abs_amount) over span as sales_abs_amount,
        sum(sales_voided_abs_amount) over span as sales_voided_abs_amount,
        sum(purchase_gross_amount) over span as gross_purchases,
        cast(sum(purchase_orders) over span as bigint) as purchase_orders,
        cast(sum(purchase_invoices) over span as bigint) as purchase_invoices,
        cast(sum(purchase_voided) over span as bigint) as purchase_voided,
        count(*) filter (where valid_invoices > 0) over span as active_months,
        min(first_valid_issue_date) over span as first_invoice_date,
        max(last_valid_issue_date) over span as last_invoice_date,
        sum(customer_delta_sum_squares) over span as customer_sum_squares,
        cast(sum(new_customers) over span as bigint) as distinct_customers,
        max(customer_max_cumulative_amount) over span as top_customer_amount,
        sum(customer_gross_amount) over span as customer_gross_amount,
        sum(supplier_delta_sum_squares) over span as supplier_sum_squares,
        cast(sum(new_suppliers) over span as bigint) as distinct_suppliers,
        max(supplier_max_cumulative_amount) over span as top_supplier_amount,
        sum(supplier_gross_amount) over span as supplier_gross_amount,
        -- trailing windows (months before the first invoice are not in the grid, so not counted)
        count(*) over last_12 as months_in_last_12,
        sum(sales_net_amount) over last_12 as sales_last_12m,
        sum(purchase_net_amount) over last_12 as purchases_last_12m,
        avg(sales_net_amount) over last_12 as avg_monthly_sales_12m,
        stddev_pop(sales_net_amount) over last_12 as std_monthly_sales_12m,
        regr_slope(sales_net_amount, month_index) over last_12 as sales_slope_12m,
        sum(sales_net_amount) over last_3 as sales_last_3m,
        sum(purchase_net_amount) over last_3 as purchases_last_3m,
        sum(sales_orders) over last_3 as orders_last_3m,
        sum(sales_orders) over prev_3 as orders_prev_3m,
        sum(sales_voided + purchase_voided) over last_3 as voided_last_3m,
        sum(sales_invoices + purchase_invoices) over last_3 as invoices_last_3m,
        sales_net_amount as sales_last_1m,
        count(*) over prev_3 as months_in_prev_3,
        sum(sales_net_amount) over prev_3 as sales_prev_3m,
        count(*) over prior_12 as months_in_prior_12,
        sum(sales_net_amount) over prior_12 as sales_prior_12m,
        sum(purchase_net_amount) over prior_12 as purchases_prior_12m
    from filled
    window
        span as (partition by enterprise_id order by month rows between unbounded preceding and current row),
        last_12 as (partition by enterprise_id order by month rows between 11 preceding and current row),
        last_3 as (partition by enterprise_id order by month rows between 2 preceding and current row),
        prev_3 as (partition by enterprise_id order by month rows between 5 preceding and 3 preceding),
        prior_12 as (partition by enterprise_id order by month rows between 14 preceding and 3 preceding)
)

select
    enterprise_id,
    as_of_date,
    first_invoice_date,
    last_invoice_date,
    date_diff('day', first_invoice_date, last_invoice_date) + 1 as active_span_days,
    active_months,
    date_diff('month', cast(date_trunc('month', last_invoice_date) as date), as_of_date) - 1 as months_since_last_invoice,

    net_sales,
    net_purchases,
    net_sales - net_purchases as gross_profit,
    {{ safe_divide('net_sales - net_purchases', 'net_sales') }} as gross_margin,
    {{ safe_divide('net_sales', 'date_diff(\'day\', first_invoice_date, last_invoice_date) + 1') }} as avg_daily_sales,
    {{ safe_divide('net_purchases', 'date_diff(\'day\', first_invoice_date, last_invoice_date) + 1') }} as avg_daily_cost,
    365 * {{ safe_divide('net_sales - net_purchases', 'date_diff(\'day\', first_invoice_date, last_invoice_date) + 1') }} as annual_avg_gross_profit,
    {{ safe_divide('net_sales - net_purchases', 'net_purchases') }} as cost_gross_margin,
    {{ safe_divide('net_sales - net_purchases - greatest(sales_tax - purchase_tax, 0)', 'net_sales') }} as net_sales_margin,
    sales_orders as order_count,
    {{ safe_divide('sales_orders', 'active_months') }} as orders_per_active_month,
    {{ safe_divide('sales_invoices - sales_voided', 'sales_invoices') }} as transaction_efficiency,

    sales_last_12m,
    purchases_last_12m,
    case when months_in_last_12 >= 6 and avg_monthly_sales_12m > 0
         then sales_slope_12m / avg_monthly_sales_12m end as sales_growth_12m,
    case when months_in_last_12 >= 6 and avg_monthly_sales_12m > 0
         then std_monthly_sales_12m / avg_monthly_sales_12m end as sales_volatility_12m,
    case when months_in_prior_12 = 12
         then {{ safe_divide('round(sales_last_3m, 2) / 3', 'round(sales_prior_12m, 2) / 12') }} end as sales_slowdown_ratio,
    -- recent change: the first months of a deterioration show here before any 12-month figure moves
    case when months_in_prev_3 = 3
         then {{ safe_divide('round(sales_last_3m, 2)', 'round(sales_prev_3m, 2)') }} end as sales_change_3m,
    case when months_in_last_12 >= 6 and avg_monthly_sales_12m > 0
         then round(sales_last_1m, 2) / avg_monthly_sales_12m end as sales_last_month_ratio,
    case when months_in_prior_12 = 12
         then {{ safe_divide('round(purchases_last_3m, 2) / 3', 'round(purchases_prior_12m, 2) / 12') }} end as purchase_slowdown_ratio,
    case when months_in_prev_3 = 3
         then {{ safe_divide('orders_last_3m', 'orders_prev_3m') }} end as orders_change_3m,
    {{ safe_divide('voided_last_3m', 'invoices_last_3m') }} as void_ratio_3m,
    case when months_in_last_12 >= 6
         then {{ safe_divide('round(sales_last_3m - purchases_last_3m, 2)', 'round(sales_last_3m, 2)') }}
              - {{ safe_divide('round(sales_last_12m - purchases_last_12m, 2)', 'round(sales_last_12m, 2)') }} end as gross_margin_change_3m,

    {{ safe_divide('sales_voided + purchase_voided', 'sales_invoices + purchase_invoices') }} as void_ratio_count,
    {{ safe_divide('sales_voided_abs_amount', 'sales_abs_amount') }} as void_ratio_amount,
    {{ safe_divide('red_letter_sales_count', 'sales_orders + red_letter_sales_count') }} as red_letter_ratio_count,
    {{ safe_divide('red_letter_sales_amount', 'gross_sales') }} as red_letter_ratio_amount,

    distinct_customers,
    distinct_suppliers,
    -- cap_at_one: the running sum of squares may exceed the total squared by a rounding error
    {{ cap_at_one(safe_divide('customer_sum_squares', 'customer_gross_amount * customer_gross_amount')) }} as customer_hhi,
    {{ cap_at_one(safe_divide('supplier_sum_squares', 'supplier_gross_amount * supplier_gross_amount')) }} as supplier_hhi,
    {{ cap_at_one(safe_divide('top_customer_amount', 'customer_gross_amount')) }} as top_customer_share,
    {{ cap_at_one(safe_divide('top_supplier_amount', 'supplier_gross_amount')) }} as top_supplier_share,
    {{ safe_divide('gross_sales', 'sales_orders') }} as avg_sales_invoice_amount,
    {{ safe_divide('gross_purchases', 'purchase_orders') }} as avg_purchase_invoice_amount,
    {{ safe_divide('sales_tax', 'net_sales') }} as sales_tax_rate,
    {{ safe_divide('sales_tax - purchase_tax', 'net_sales') }} as vat_burden
from running
