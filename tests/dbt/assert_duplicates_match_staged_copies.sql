-- Per source table, the duplicates counted per file in source_reconciliation equal the copies that
-- the staging models collapsed (sum of source_row_count - 1): no row lost or counted twice.
{% set sources = ['enterprises', 'loans', 'loan_performance', 'financial_statements', 'invoices', 'default_events'] %}
with collapsed as (
    {% for name in sources %}
    select '{{ name }}' as source_table, coalesce(sum(source_row_count - 1), 0) as collapsed_copies
    from {{ ref('stg_' ~ name) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

reconciled as (
    select source_table, sum(duplicate_rows) as duplicate_rows
    from {{ ref('source_reconciliation') }}
    group by all
)

select *
from collapsed
left join reconciled using (source_table)
where coalesce(reconciled.duplicate_rows, 0) != collapsed.collapsed_copies
