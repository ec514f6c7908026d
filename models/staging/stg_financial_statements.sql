-- One row per usable enterprise and fiscal year; exact duplicate rows collapsed (source_row_count > 1).
select
    enterprise_id,
    fiscal_year,
    cash_and_equivalents,
    short_term_investments,
    accounts_receivable,
    inventory,
    current_assets,
    fixed_assets_net,
    total_assets,
    current_liabilities,
    debt_due_within_one_year,
    total_liabilities,
    owners_equity,
    retained_earnings,
    operating_revenue,
    operating_cost,
    operating_profit,
    interest_expense,
    total_profit,
    net_profit,
    operating_cash_flow,
    count(*) as source_row_count,
    min(source_file) as source_file
from {{ ref('base_financial_statements') }}
where quarantine_reason is null
group by all
