-- Every raw financial-statement row, parsed, with the reason it can't be used (NULL = usable).
with source as (
    select * from {{ source('raw', 'financial_statements') }}
),

parsed as (
    select
        _source_file as source_file,
        {{ clean_text('enterprise_id') }} as enterprise_id,
        {{ parse_integer('fiscal_year') }} as fiscal_year,
        {{ parse_number('cash_and_equivalents') }} as cash_and_equivalents,
        {{ parse_number('short_term_investments') }} as short_term_investments,
        {{ parse_number('accounts_receivable') }} as accounts_receivable,
        {{ parse_number('inventory') }} as inventory,
        {{ parse_number('current_assets') }} as current_assets,
        {{ parse_number('fixed_assets_net') }} as fixed_assets_net,
        {{ parse_number('total_assets') }} as total_assets,
        {{ parse_number('current_liabilities') }} as current_liabilities,
        {{ parse_number('debt_due_within_one_year') }} as debt_due_within_one_year,
        {{ parse_number('total_liabilities') }} as total_liabilities,
        {{ parse_number('owners_equity') }} as owners_equity,
        {{ parse_number('retained_earnings') }} as retained_earnings,
        {{ parse_number('operating_revenue') }} as operating_revenue,
        {{ parse_number('operating_cost') }} as operating_cost,
        {{ parse_number('operating_profit') }} as operating_profit,
        {{ parse_number('interest_expense') }} as interest_expense,
        {{ parse_number('total_profit') }} as total_profit,
        {{ parse_number('net_profit') }} as net_profit,
        {{ parse_number('operating_cash_flow') }} as operating_cash_flow,
        {{ unparseable('fiscal_year', parse_integer('fiscal_year'), 'integer') }} as fiscal_year_error,
        {{ unparseable('cash_and_equivalents', parse_number('cash_and_equivalents'), 'number') }} as cash_and_equivalents_error,
        {{ unparseable('short_term_investments', parse_number('short_term_investments'), 'number') }} as short_term_investments_error,
        {{ unparseable('accounts_receivable', parse_number('accounts_receivable'), 'number') }} as accounts_receivable_error,
        {{ unparseable('inventory', parse_number('inventory'), 'number') }} as inventory_error,
        {{ unparseable('current_assets', parse_number('current_assets'), 'number') }} as current_assets_error,
        {{ unparseable('fixed_assets_net', parse_number('fixed_assets_net'), 'number') }} as fixed_assets_net_error,
        {{ unparseable('total_assets', parse_number('total_assets'), 'number') }} as total_assets_error,
        {{ unparseable('current_liabilities', parse_number('current_liabilities'), 'number') }} as current_liabilities_error,
        {{ unparseable('debt_due_within_one_year', parse_number('debt_due_within_one_year'), 'number') }} as debt_due_within_one_year_error,
        {{ unparseable('total_liabilities', parse_number('total_liabilities'), 'number') }} as total_liabilities_error,
        {{ unparseable('owners_equity', parse_number('owners_equity'), 'number') }} as owners_equity_error,
        {{ unparseable('retained_earnings', parse_number('retained_earnings'), 'number') }} as retained_earnings_error,
        {{ unparseable('operating_revenue', parse_number('operating_revenue'), 'number') }} as operating_revenue_error,
        {{ unparseable('operating_cost', parse_number('operating_cost'), 'number') }} as operating_cost_error,
        {{ unparseable('operating_profit', parse_number('operating_profit'), 'number') }} as operating_profit_error,
        {{ unparseable('interest_expense', parse_number('interest_expense'), 'number') }} as interest_expense_error,
        {{ unparseable('total_profit', parse_number('total_profit'), 'number') }} as total_profit_error,
        {{ unparseable('net_profit', parse_number('net_profit'), 'number') }} as net_profit_error,
        {{ unparseable('operating_cash_flow', parse_number('operating_cash_flow'), 'number') }} as operating_cash_flow_error,
        to_json(struct_pack(enterprise_id, fiscal_year, cash_and_equivalents, short_term_investments, accounts_receivable, inventory, current_assets, fixed_assets_net, total_assets, current_liabilities, debt_due_within_one_year, total_liabilities, owners_equity, retained_earnings, operating_revenue, operating_cost, operating_profit, interest_expense, total_profit, net_profit, operating_cash_flow)) as raw_record
    from source
),

keyed as (
    select
        *,
        count(distinct (cash_and_equivalents, short_term_investments, accounts_receivable, inventory, current_assets, fixed_assets_net, total_assets, current_liabilities, debt_due_within_one_year, total_liabilities, owners_equity, retained_earnings, operating_revenue, operating_cost, operating_profit, interest_expense, total_profit, net_profit, operating_cash_flow)) over (partition by enterprise_id, fiscal_year) as versions_of_key
    from parsed
),

enterprises as (
    select enterprise_id from {{ ref('stg_enterprises') }}
)

select
    keyed.source_file,
    keyed.enterprise_id,
    keyed.fiscal_year,
    keyed.cash_and_equivalents,
    keyed.short_term_investments,
    keyed.accounts_receivable,
    keyed.inventory,
    keyed.current_assets,
    keyed.fixed_assets_net,
    keyed.total_assets,
    keyed.current_liabilities,
    keyed.debt_due_within_one_year,
    keyed.total_liabilities,
    keyed.owners_equity,
    keyed.retained_earnings,
    keyed.operating_revenue,
    keyed.operating_cost,
    keyed.operating_profit,
    keyed.interest_expense,
    keyed.total_profit,
    keyed.net_profit,
    keyed.operating_cash_flow,
    keyed.raw_record,
    {{ first_reason([
        "case when keyed.enterprise_id is null then 'enterprise_id: missing' end",
        "fiscal_year_error",
        "case when keyed.fiscal_year is null or keyed.fiscal_year not between 1950 and 2100 then 'fiscal_year: missing or not a plausible year' end",
        "cash_and_equivalents_error", "short_term_investments_error", "accounts_receivable_error", "inventory_error", "current_assets_error", "fixed_assets_net_error", "total_assets_error", "current_liabilities_error", "debt_due_within_one_year_error", "total_liabilities_error", "owners_equity_error", "retained_earnings_error", "operating_revenue_error", "operating_cost_error", "operating_profit_error", "interest_expense_error", "total_profit_error", "net_profit_error", "operating_cash_flow_error",
        "case when keyed.total_assets is null or keyed.total_liabilities is null or keyed.owners_equity is null then 'total_assets/total_liabilities/owners_equity: missing' end",
        "case when keyed.total_assets < 0 then 'total_assets: negative' end",
        "case when abs(keyed.total_assets - keyed.total_liabilities - keyed.owners_equity) > 0.01 * greatest(abs(keyed.total_assets), 1) then 'total_assets: differs from total_liabilities + owners_equity by more than 1%' end",
        "case when versions_of_key > 1 then 'enterprise_id, fiscal_year: ' || versions_of_key || ' conflicting statements for this year' end",
        "case when enterprises.enterprise_id is null then 'enterprise_id: no such usable enterprise (orphan, or the enterprise row is quarantined)' end",
    ]) }} as quarantine_reason
from keyed
left join enterprises on keyed.enterprise_id = enterprises.enterprise_id
