{#- The indicator catalogue's column lists, in one place: the marts select them by these lists,
    and models/marts/indicators/_enterprise_indicators.yml documents each. -#}
{% macro invoice_indicator_columns() %}
  {{ return([
    'first_invoice_date', 'last_invoice_date', 'active_span_days', 'active_months', 'months_since_last_invoice',
    'net_sales', 'net_purchases', 'gross_profit', 'gross_margin', 'avg_daily_sales', 'avg_daily_cost',
    'annual_avg_gross_profit', 'cost_gross_margin', 'net_sales_margin', 'order_count', 'orders_per_active_month',
    'transaction_efficiency', 'sales_last_12m', 'purchases_last_12m', 'sales_growth_12m', 'sales_volatility_12m',
    'sales_slowdown_ratio', 'sales_change_3m', 'sales_last_month_ratio', 'purchase_slowdown_ratio', 'orders_change_3m', 'void_ratio_3m', 'gross_margin_change_3m', 'void_ratio_count', 'void_ratio_amount', 'red_letter_ratio_count',
    'red_letter_ratio_amount', 'distinct_customers', 'distinct_suppliers', 'customer_hhi', 'supplier_hhi',
    'top_customer_share', 'top_supplier_share', 'avg_sales_invoice_amount', 'avg_purchase_invoice_amount',
    'sales_tax_rate', 'vat_burden',
  ]) }}
{% endmacro %}

{% macro statement_indicator_columns() %}
  {{ return([
    'statement_fiscal_year',
    'x01_current_ratio', 'x02_quick_ratio', 'x03_cash_ratio', 'x04_debt_to_assets', 'x05_debt_to_equity',
    'x06_interest_coverage', 'x07_receivables_turnover', 'x08_inventory_turnover', 'x09_current_asset_turnover',
    'x10_fixed_asset_turnover', 'x11_total_asset_turnover', 'x12_gross_margin', 'x13_net_profit_margin',
    'x14_return_on_assets', 'x15_return_on_equity', 'x16_operating_margin', 'x17_total_asset_growth',
    'x18_roe_growth', 'x19_net_profit_growth', 'x20_cash_flow_ratio', 'x21_cash_to_maturing_debt',
    'x22_current_debt_ratio', 'x23_fixed_asset_ratio', 'x24_equity_to_debt', 'altman_z_score', 'altman_zone',
  ]) }}
{% endmacro %}
