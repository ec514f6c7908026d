-- Portfolio totals per scenario and question: overall, by tier and by industry.
-- RAROC is annual: Σ(income − expected loss − funding and operating cost) / Σ(capital × term in
-- years), the same definition as sme_credit.pricing.raroc.portfolio_raroc; NULL without capital.
with allocation as (
    select
        credit_allocation.as_of_date,
        credit_allocation.scenario,
        credit_allocation.question,
        credit_allocation.tier,
        coalesce(enterprises.industry, 'unknown') as industry,
        credit_allocation.amount,
        credit_allocation.expected_income,
        credit_allocation.expected_loss,
        credit_allocation.funding_operating_cost,
        credit_allocation.capital,
        credit_allocation.expected_income - credit_allocation.expected_loss
            - credit_allocation.funding_operating_cost as net_income,
        credit_allocation.capital * coalesce(credit_allocation.term_months, 0) / 12.0 as capital_years
    from {{ ref('credit_allocation') }} as credit_allocation
    left join {{ ref('int_pricing_enterprises') }} as enterprises
        on credit_allocation.enterprise_id = enterprises.enterprise_id
)

select
    as_of_date,
    scenario,
    question,
    case
        when grouping(tier) = 0 then 'tier'
        when grouping(industry) = 0 then 'industry'
        else 'overall'
    end as breakdown,
    case
        when grouping(tier) = 0 then tier
        when grouping(industry) = 0 then industry
        else 'all'
    end as breakdown_value,
    count(*) filter (where amount > 0) as n_enterprises,
    sum(amount) as total_lent,
    sum(expected_income) as expected_income,
    sum(expected_loss) as expected_loss,
    sum(funding_operating_cost) as funding_operating_cost,
    sum(capital) as capital,
    sum(net_income) / nullif(sum(capital_years), 0) as raroc
from allocation
group by grouping sets ((as_of_date, scenario, question), (as_of_date, scenario, question, tier),
                       (as_of_date, scenario, question, industry))
