-- Every raw row that could not be used, with its source, file, raw values and the reason.
{% set sources = ['enterprises', 'loans', 'loan_performance', 'financial_statements', 'invoices', 'default_events'] %}
{% for name in sources %}
select
    '{{ name }}' as source_table,
    source_file,
    quarantine_reason,
    raw_record
from {{ ref('base_' ~ name) }}
where quarantine_reason is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
