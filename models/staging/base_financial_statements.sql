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
        {{ integer_error('fiscal_year') }} as fiscal_year_error,
        {{ number_error('cash_and_equivalents') }} as cash_and_equivalents_error,
        {{ number_error('short_term_investments') }} as short_term_investments_error,
        {{ number_error('accounts_receivable') }} as accounts_receivable_error,
        {{ number_error('inventory') }} as inventory_error,
        {{ number_error('current_assets') }} as current_assets_error,
        {{ number_error('fixed_assets_net') }} as fixed_assets_net_error,
        {{ number_error('total_assets') }} as total_assets_error,
        {{ number_error('current_liabilities') }} as current_liabilities_error,
        {{ number_error('debt_due_within_one_year') }} as debt_due_within_one_year_error,
        {{ number_error('total_liabilities') }} as total_liabilities_error,
        {{ number_error('owners_equity') }} as owners_equity_error,
        {{ number_error('retained_earnings') }} as retained_earnings_error,
        {{ number_error('operating_revenue') }} as operating_revenue_error,
        {{ number_error('operating_cost') }} as operating_cost_error,
        {{ number_error('operating_profit') }} as operating_profit_error,
        {{ number_error('interest_expense') }} as interest_expense_error,
        {{ number_error('total_profit') }} as total_profit_error,
        {{ number_error('net_profit') }} as net_profit_error,
        {{ number_error('operating_cash_flow') }} as operating_cash_flow_error,
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
    select enterprise_id, founded_on from {{ ref('stg_enterprises') }}
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
        "case when keyed.fiscal_year is null then 'fiscal_year: missing' end",
        "case when make_date(keyed.fiscal_year, 12, 31) > " ~ data_cutoff_date() ~ " then 'fiscal_year: ' || keyed.fiscal_year || ' ends after the data cut-off ' || " ~ data_cutoff_date() ~ " || ' (rule date_after_cutoff, var data_cutoff_date)' end",
        "case when keyed.fiscal_year < year(date '" ~ var('earliest_plausible_date') ~ "') then 'fiscal_year: ' || keyed.fiscal_year || ' is before " ~ var('earliest_plausible_date') ~ " (rule date_before_earliest, var earliest_plausible_date)' end",
        "case when keyed.fiscal_year < year(enterprises.founded_on) then 'fiscal_year: ' || keyed.fiscal_year || ' is before the enterprise''s founding date ' || enterprises.founded_on || ' (rule date_before_founding)' end",
        "cash_and_equivalents_error", "short_term_investments_error", "accounts_receivable_error", "inventory_error", "current_assets_error", "fixed_assets_net_error", "total_assets_error", "current_liabilities_error", "debt_due_within_one_year_error", "total_liabilities_error", "owners_equity_error", "retained_earnings_error", "operating_revenue_error", "operating_cost_error", "operating_profit_error", "interest_expense_error", "total_profit_error", "net_profit_error", "operating_cash_flow_error",
        "case when keyed.total_assets is null or keyed.total_liabilities is null or keyed.owners_equity is null then 'total_assets/total_liabilities/owners_equity: missing' end",
        negative_value('cash_and_equivalents', 'keyed.cash_and_equivalents'),
        negative_value('short_term_investments', 'keyed.short_term_investments'),
        negative_value('accounts_receivable', 'keyed.accounts_receivable'),
        negative_value('inventory', 'keyed.inventory'),
        negative_value('current_assets', 'keyed.current_assets'),
        negative_value('fixed_assets_net', 'keyed.fixed_assets_net'),
        negative_value('total_assets', 'keyed.total_assets'),
        negative_value('current_liabilities', 'keyed.current_liabilities'),
        negative_value('debt_due_within_one_year', 'keyed.debt_due_within_one_year'),
        negative_value('total_liabilities', 'keyed.total_liabilities'),
        negative_value('operating_revenue', 'keyed.operating_revenue'),
        negative_value('operating_cost', 'keyed.operating_cost'),
        negative_value('interest_expense', 'keyed.interest_expense'),
        "case when abs(keyed.total_assets - keyed.total_liabilities - keyed.owners_equity) > 0.01 * greatest(abs(keyed.total_assets), 1) then 'total_assets: differs from total_liabilities + owners_equity by more than 1%' end",
        key_conflict('versions_of_key', ['enterprise_id', 'fiscal_year']),
        "case when enterprises.enterprise_id is null then 'enterprise_id: no such usable enterprise (orphan, or the enterprise row is quarantined)' end",
    ]) }} as quarantine_reason
from keyed
left join enterprises on keyed.enterprise_id = enterprises.enterprise_id
