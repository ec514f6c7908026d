-- Every book lends at most its question's budget (q1: total_budget_q1, q2: total_budget).
with budgets as (
    select
        max(value) filter (where parameter = 'total_budget_q1') as q1,
        max(value) filter (where parameter = 'total_budget') as q2
    from {{ ref('pricing_parameters') }}
)

select scenario, question, sum(amount) as total_lent
from {{ ref('credit_allocation') }}
cross join budgets
group by scenario, question, budgets.q1, budgets.q2
having sum(amount) > case question when 'q1' then budgets.q1 else budgets.q2 end + 0.5
