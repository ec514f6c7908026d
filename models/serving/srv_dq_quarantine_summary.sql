-- Grain: one row per source table, file and quarantine reason. Counts only: the quarantined raw
-- records themselves stay in marts.quarantine (they are raw values, not for BI).
select
    source_table,
    source_file,
    quarantine_reason,
    count(*) as n_rows
from {{ ref('quarantine') }}
group by all
