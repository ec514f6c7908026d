-- Within a book, churn curve and tier, an enterprise with a higher PD never gets a lower rate.
select higher.scenario, higher.question, higher.enterprise_id, higher.pd, higher.rate,
       lower_pd.enterprise_id as cheaper_than, lower_pd.pd as its_pd, lower_pd.rate as its_rate
from {{ ref('pricing_tiers') }} as higher
inner join {{ ref('pricing_tiers') }} as lower_pd
    on higher.scenario = lower_pd.scenario
    and higher.question = lower_pd.question
    and higher.rating_for_churn = lower_pd.rating_for_churn
    and higher.tier = lower_pd.tier
    and higher.lgd = lower_pd.lgd
    and higher.pd > lower_pd.pd
where higher.rate < lower_pd.rate - 1e-12
