-- The difference each stress scenario makes to the portfolio: base, stressed and change side by
-- side for every portfolio_summary row (overall, by tier, by industry). A tier or industry present
-- on one side only shows NULL on the other.
with base as (
    select * from {{ ref('portfolio_summary') }} where scenario = 'base'
),

stressed as (
    select * from {{ ref('portfolio_summary') }} where scenario <> 'base'
),

scenarios as (
    select distinct scenario from stressed
),

-- every base row is compared with every scenario, so a segment emptied by the stress still shows
base_per_scenario as (
    select scenarios.scenario, base.* exclude (scenario)
    from base
    cross join scenarios
)

select
    coalesce(stressed.as_of_date, base_per_scenario.as_of_date) as as_of_date,
    coalesce(stressed.scenario, base_per_scenario.scenario) as scenario,
    coalesce(stressed.question, base_per_scenario.question) as question,
    coalesce(stressed.breakdown, base_per_scenario.breakdown) as breakdown,
    coalesce(stressed.breakdown_value, base_per_scenario.breakdown_value) as breakdown_value,
    base_per_scenario.n_enterprises as base_n_enterprises,
    stressed.n_enterprises as stressed_n_enterprises,
    base_per_scenario.total_lent as base_total_lent,
    stressed.total_lent as stressed_total_lent,
    stressed.total_lent - base_per_scenario.total_lent as change_total_lent,
    base_per_scenario.expected_loss as base_expected_loss,
    stressed.expected_loss as stressed_expected_loss,
    stressed.expected_loss - base_per_scenario.expected_loss as change_expected_loss,
    base_per_scenario.capital as base_capital,
    stressed.capital as stressed_capital,
    stressed.capital - base_per_scenario.capital as change_capital,
    base_per_scenario.raroc as base_raroc,
    stressed.raroc as stressed_raroc,
    stressed.raroc - base_per_scenario.raroc as change_raroc
from stressed
full outer join base_per_scenario
    on stressed.as_of_date = base_per_scenario.as_of_date
    and stressed.scenario = base_per_scenario.scenario
    and stressed.question = base_per_scenario.question
    and stressed.breakdown = base_per_scenario.breakdown
    and stressed.breakdown_value = base_per_scenario.breakdown_value
