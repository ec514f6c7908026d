{{ config(materialized='table') }}
-- One row per distinct usable invoice; exact duplicate rows collapsed (source_row_count > 1).
-- Materialised (unlike other staging models): every invoice indicator reads it, and collapsing
-- duplicates of up to 10^8 rows once is cheaper than in each consumer.
select
    enterprise_id,
    direction,
    invoice_number,
    issue_date,
    counterparty_id,
    amount,
    tax,
    total,
    status,
    amount < 0 as is_red_letter,
    count(*) as source_row_count,
    -- a row repeated across files is collapsed too; it is attributed to the first file by name
    min(source_file) as source_file
from {{ ref('base_invoices') }}
where quarantine_reason is null
group by all
