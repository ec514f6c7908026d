-- One row per usable enterprise; exact duplicate rows collapsed (source_row_count > 1).
select
    enterprise_id,
    industry,
    region,
    size_class,
    founded_on,
    credit_rating,
    has_defaulted,
    (credit_rating is not null or has_defaulted is not null) as has_credit_record,
    count(*) as source_row_count,
    min(source_file) as source_file
from {{ ref('base_enterprises') }}
where quarantine_reason is null
group by all
