-- Every enterprise at every month-start as-of date of the data: attributes, invoice indicators
-- (int_invoice_indicators_panel) and the ratios of the latest fiscal year that ended before the
-- as-of date, no older than var('statement_max_age_years'). The marts pick rows from it:
-- enterprise_indicators the reporting as-of dates, loan_features each loan's application month.
with enterprises as (
    select * from {{ ref('stg_enterprises') }}
),

as_of_dates as (
    select cast(unnest(generate_series(
        (select min(month) from {{ ref('int_invoices_monthly') }}) + interval 1 month,
        {{ final_as_of_date() }},
        interval 1 month)) as date) as as_of_date
),

invoice_panel as (
    select * from {{ ref('int_invoice_indicators_panel') }}
),

statements as (
    select * from {{ ref('int_statement_ratios') }}
),

grid as (
    select enterprises.*, as_of_dates.as_of_date
    from enterprises
    cross join as_of_dates
),

latest_statement as (
    select
        grid.enterprise_id,
        grid.as_of_date,
        statements.fiscal_year as statement_fiscal_year,
        statements.* exclude (enterprise_id, fiscal_year, has_prior_year, operating_revenue, total_assets),
        statements.operating_revenue as statement_revenue
    from grid
    inner join statements
        on statements.enterprise_id = grid.enterprise_id
        -- a fiscal year counts once its statement is filed: var('statement_availability_lag_months') after its year end
        and statements.fiscal_year < extract(year from grid.as_of_date - interval {{ var('statement_availability_lag_months') }} month)
        and statements.fiscal_year >= extract(year from grid.as_of_date - interval {{ var('statement_availability_lag_months') }} month)
            - 1 - {{ var('statement_max_age_years') }}
    qualify row_number() over (partition by grid.enterprise_id, grid.as_of_date order by statements.fiscal_year desc) = 1
)

select
    grid.enterprise_id,
    grid.as_of_date,
    grid.industry,
    grid.region,
    grid.size_class,
    {{ safe_divide("date_diff('day', grid.founded_on, grid.as_of_date)", 365.25) }} as enterprise_age_years,
    {% for col in invoice_indicator_columns() %}
    invoice_panel.{{ col }},
    {% endfor %}
    {% for col in statement_indicator_columns() %}
    latest_statement.{{ col }},
    {% endfor %}
    -- annual sales for the Basel SME size adjustment: invoices of the last 12 months, else the statement
    coalesce(invoice_panel.sales_last_12m, latest_statement.statement_revenue) as annual_sales
from grid
left join invoice_panel
    on grid.enterprise_id = invoice_panel.enterprise_id and grid.as_of_date = invoice_panel.as_of_date
left join latest_statement
    on grid.enterprise_id = latest_statement.enterprise_id and grid.as_of_date = latest_statement.as_of_date
