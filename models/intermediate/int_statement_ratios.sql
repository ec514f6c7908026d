-- Seed 004's 24 financial ratios (its Table 1) and the Altman Z''-score per enterprise and fiscal
-- year. Averages of balance-sheet items are (opening + closing) / 2 with the opening balance taken
-- from the previous fiscal year's statement; without one, the closing balance is used
-- (has_prior_year = false). Growth rates need the previous year and are NULL without it.
-- Every division goes through safe_divide: NULL means "not defined" (zero or missing denominator).
with statements as (
    select * from {{ ref('stg_financial_statements') }}
),

with_prior as (
    select
        s.*,
        p.fiscal_year is not null as has_prior_year,
        p.accounts_receivable as prior_accounts_receivable,
        p.inventory as prior_inventory,
        p.current_assets as prior_current_assets,
        p.total_assets as prior_total_assets,
        p.owners_equity as prior_owners_equity,
        p.net_profit as prior_net_profit
    from statements as s
    left join statements as p
        on s.enterprise_id = p.enterprise_id and p.fiscal_year = s.fiscal_year - 1
),

averages as (
    select
        *,
        (accounts_receivable + coalesce(prior_accounts_receivable, accounts_receivable)) / 2 as avg_accounts_receivable,
        (inventory + coalesce(prior_inventory, inventory)) / 2 as avg_inventory,
        (current_assets + coalesce(prior_current_assets, current_assets)) / 2 as avg_current_assets,
        (total_assets + coalesce(prior_total_assets, total_assets)) / 2 as avg_total_assets,
        (owners_equity + coalesce(prior_owners_equity, owners_equity)) / 2 as avg_owners_equity,
        total_profit + interest_expense as ebit
    from with_prior
),

ratios as (
    select
        enterprise_id,
        fiscal_year,
        has_prior_year,
        operating_revenue,
        total_assets,
        {{ safe_divide('current_assets', 'current_liabilities') }} as x01_current_ratio,
        {{ safe_divide('current_assets - inventory', 'current_liabilities') }} as x02_quick_ratio,
        {{ safe_divide('cash_and_equivalents + short_term_investments', 'current_liabilities') }} as x03_cash_ratio,
        {{ safe_divide('total_liabilities', 'total_assets') }} as x04_debt_to_assets,
        {{ safe_divide('total_liabilities', 'owners_equity') }} as x05_debt_to_equity,
        {{ safe_divide('ebit', 'interest_expense') }} as x06_interest_coverage,
        {{ safe_divide('operating_revenue', 'avg_accounts_receivable') }} as x07_receivables_turnover,
        {{ safe_divide('operating_cost', 'avg_inventory') }} as x08_inventory_turnover,
        {{ safe_divide('operating_revenue', 'avg_current_assets') }} as x09_current_asset_turnover,
        {{ safe_divide('operating_revenue', 'fixed_assets_net') }} as x10_fixed_asset_turnover,
        {{ safe_divide('operating_revenue', 'avg_total_assets') }} as x11_total_asset_turnover,
        {{ safe_divide('operating_revenue - operating_cost', 'operating_revenue') }} as x12_gross_margin,
        {{ safe_divide('net_profit', 'operating_revenue') }} as x13_net_profit_margin,
        {{ safe_divide('total_profit', 'avg_total_assets') }} as x14_return_on_assets,
        {{ safe_divide('net_profit', 'avg_owners_equity') }} as x15_return_on_equity,
        {{ safe_divide('operating_profit', 'operating_revenue') }} as x16_operating_margin,
        {{ safe_divide('total_assets - prior_total_assets', 'prior_total_assets') }} as x17_total_asset_growth,
        {{ safe_divide('net_profit - prior_net_profit', 'prior_net_profit') }} as x19_net_profit_growth,
        {{ safe_divide('operating_cash_flow', 'current_liabilities') }} as x20_cash_flow_ratio,
        {{ safe_divide('operating_cash_flow', 'debt_due_within_one_year') }} as x21_cash_to_maturing_debt,
        {{ safe_divide('current_liabilities', 'total_assets') }} as x22_current_debt_ratio,
        {{ safe_divide('fixed_assets_net', 'total_assets') }} as x23_fixed_asset_ratio,
        {{ safe_divide('owners_equity', 'total_liabilities') }} as x24_equity_to_debt,
        -- Altman Z'' (private non-manufacturing firms): book equity / total liabilities in the last term
        6.56 * {{ safe_divide('current_assets - current_liabilities', 'total_assets') }}
            + 3.26 * {{ safe_divide('retained_earnings', 'total_assets') }}
            + 6.72 * {{ safe_divide('ebit', 'total_assets') }}
            + 1.05 * {{ safe_divide('owners_equity', 'total_liabilities') }} as altman_z_score
    from averages
)

select
    enterprise_id,
    fiscal_year,
    has_prior_year,
    operating_revenue,
    total_assets,
    x01_current_ratio,
    x02_quick_ratio,
    x03_cash_ratio,
    x04_debt_to_assets,
    x05_debt_to_equity,
    x06_interest_coverage,
    x07_receivables_turnover,
    x08_inventory_turnover,
    x09_current_asset_turnover,
    x10_fixed_asset_turnover,
    x11_total_asset_turnover,
    x12_gross_margin,
    x13_net_profit_margin,
    x14_return_on_assets,
    x15_return_on_equity,
    x16_operating_margin,
    x17_total_asset_growth,
    -- ROE growth: (ROE this year − ROE last year) / ROE last year
    {{ safe_divide('x15_return_on_equity - lag(x15_return_on_equity) over by_year', 'lag(x15_return_on_equity) over by_year') }}
        * case when lag(fiscal_year) over by_year = fiscal_year - 1 then 1 end as x18_roe_growth,
    x19_net_profit_growth,
    x20_cash_flow_ratio,
    x21_cash_to_maturing_debt,
    x22_current_debt_ratio,
    x23_fixed_asset_ratio,
    x24_equity_to_debt,
    altman_z_score,
    case
        when altman_z_score > 2.60 then 'safe'
        when altman_z_score >= 1.10 then 'grey'
        when altman_z_score < 1.10 then 'distress'
    end as altman_zone
from ratios
window by_year as (partition by enterprise_id order by fiscal_year)
