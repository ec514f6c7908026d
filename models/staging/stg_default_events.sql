-- One row per usable default event; exact duplicate rows collapsed (source_row_count > 1).
select
    enterprise_id,
    default_date,
    default_type,
    event_source,
    count(*) as source_row_count,
    min(source_file) as source_file
from {{ ref('base_default_events') }}
where quarantine_reason is null
group by all
