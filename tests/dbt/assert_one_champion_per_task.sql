-- Every fitted task has exactly one champion model, in the registry and for every scored entity and as-of date.
select 'registry' as source, level, variant, null as entity_id, count(*) filter (where is_champion) as champions
from {{ ref('pd_model_registry') }}
group by level, variant
having count(*) filter (where is_champion) <> 1

union all

select 'scores', level, variant, entity_id || ' @ ' || as_of_date, count(*) filter (where is_champion)
from {{ ref('pd_scores') }}
group by level, variant, entity_id, as_of_date
having count(*) filter (where is_champion) <> 1
