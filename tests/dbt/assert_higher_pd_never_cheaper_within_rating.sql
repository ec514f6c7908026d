-- Within a book, churn curve, tier and LGD, an enterprise that is riskier on both counts of the
-- RAROC price (a higher PD, and at least the capital K per yuan) never gets a lower rate. K alone
-- can fall with a higher PD: the Basel SME firm-size adjustment lowers it for smaller firms.
select higher.scenario, higher.question, higher.enterprise_id, higher.pd, higher.capital_k, higher.rate,
       lower_pd.enterprise_id as cheaper_than, lower_pd.pd as its_pd, lower_pd.capital_k as its_capital_k,
       lower_pd.rate as its_rate
from {{ ref('pricing_tiers') }} as higher
inner join {{ ref('pricing_tiers') }} as lower_pd
    on higher.scenario = lower_pd.scenario
    and higher.question = lower_pd.question
    and higher.rating_for_churn = lower_pd.rating_for_churn
    and higher.tier = lower_pd.tier
    and higher.lgd = lower_pd.lgd
    and higher.pd > lower_pd.pd
    and higher.capital_k >= lower_pd.capital_k
where higher.rate < lower_pd.rate - 1e-12
