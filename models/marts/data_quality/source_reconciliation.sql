-- Per raw file: raw rows = staged rows + collapsed exact duplicates + quarantined rows. Every
-- file found (raw.raw_files) has a row, an empty or header-only one with 0 rows.
-- tests/dbt/assert_duplicates_match_staged_copies.sql checks the duplicates against the staged
-- copy counts per table, independently of this per-file attribution.
{% set sources = ['enterprises', 'loans', 'loan_performance', 'financial_statements', 'invoices', 'default_events'] %}
with
{% for name in sources %}
raw_{{ name }} as (
    select '{{ name }}' as source_table, _source_file as source_file, count(*) as raw_rows
    from {{ source('raw', name) }}
    group by all
),
usable_{{ name }} as (
    select '{{ name }}' as source_table, source_file, count(*) as usable_rows
    from {{ ref('base_' ~ name) }}
    where quarantine_reason is null
    group by all
),
staged_{{ name }} as (
    -- a staged row stands for all its exact copies; it is attributed to the first file holding one
    select '{{ name }}' as source_table, source_file, count(*) as staged_rows
    from {{ ref('stg_' ~ name) }}
    group by all
),
{% endfor %}
files as (
    select source_table, source_file from {{ source('raw_files', 'raw_files') }}
    -- a row read from a file the listing lacks would otherwise vanish from the accounting
    union
    {% for name in sources %}select source_table, source_file from raw_{{ name }}{% if not loop.last %} union {% endif %}{% endfor %}
),

quarantined as (
    select source_table, source_file, count(*) as quarantined_rows
    from {{ ref('quarantine') }}
    group by all
),

raw_rows as (
    {% for name in sources %}select * from raw_{{ name }}{% if not loop.last %} union all {% endif %}{% endfor %}
),

staged as (
    {% for name in sources %}select * from staged_{{ name }}{% if not loop.last %} union all {% endif %}{% endfor %}
),

usable as (
    {% for name in sources %}select * from usable_{{ name }}{% if not loop.last %} union all {% endif %}{% endfor %}
)

select
    files.source_table,
    files.source_file,
    coalesce(raw_rows.raw_rows, 0) as raw_rows,
    coalesce(staged.staged_rows, 0) as staged_rows,
    -- usable rows of the file that were collapsed into a staged row as exact copies
    coalesce(usable.usable_rows, 0) - coalesce(staged.staged_rows, 0) as duplicate_rows,
    coalesce(quarantined.quarantined_rows, 0) as quarantined_rows,
    -- raw rows are counted on the raw view; usable and quarantined rows on the parsed rows
    coalesce(raw_rows.raw_rows, 0) = coalesce(usable.usable_rows, 0) + coalesce(quarantined.quarantined_rows, 0)
        and coalesce(usable.usable_rows, 0) >= coalesce(staged.staged_rows, 0) as is_reconciled
from files
left join raw_rows using (source_table, source_file)
left join staged using (source_table, source_file)
left join usable using (source_table, source_file)
left join quarantined using (source_table, source_file)
order by source_table, source_file
