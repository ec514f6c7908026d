{{ config(post_hook=after_commit("{{ report_incomplete_sources(this) }}")) }}
-- Months with usable rows per dated raw table (invoices per direction, loan_performance) against
-- the months expected, plus one row per required table without any usable row. The post-hook
-- report_incomplete_sources fails the build or warns on each row with a message (README
-- "Completeness"). Expected months: var('expected_months')[table] = {first, last} ('YYYY-MM'),
-- else from the table's first to its last month with rows (a gap inside is missing).
{% set expected = var('expected_months', {}) or {} %}
{% set required = [] %}
{% for node in graph.sources.values() if node.source_name == 'raw' and node.meta.get('required') %}
  {% do required.append(node.name) %}
{% endfor %}
with monthly as (
    select 'invoices' as source_table, direction as segment, date_trunc('month', issue_date) as month,
           sum(source_row_count) as usable_rows
    from {{ ref('stg_invoices') }}
    group by all
    union all
    select 'loan_performance', 'all', date_trunc('month', month), sum(source_row_count)
    from {{ ref('stg_loan_performance') }}
    group by all
),

segments as (
    -- the segments every table must cover: both invoice directions, whether or not they have rows
    select * from (values ('invoices', 'sales'), ('invoices', 'purchase'), ('loan_performance', 'all')) as s(source_table, segment)
),

ranges as (
    select
        source_table,
        {% if expected %}
        case source_table
            {% for table, r in expected.items() %}
            when '{{ table }}' then cast('{{ r["first"] }}-01' as date)
            {% endfor %}
        end as declared_first,
        case source_table
            {% for table, r in expected.items() %}
            when '{{ table }}' then cast('{{ r["last"] }}-01' as date)
            {% endfor %}
        end as declared_last,
        {% else %}
        cast(null as date) as declared_first,
        cast(null as date) as declared_last,
        {% endif %}
        min(month) as first_month,
        max(month) as last_month
    from segments
    left join monthly using (source_table, segment)
    group by source_table
),

expected_months as (
    select
        segments.source_table,
        segments.segment,
        cast(m.month as date) as month,
        ranges.declared_first is not null as is_declared
    from segments
    join ranges using (source_table)
    cross join lateral (
        select unnest(generate_series(coalesce(ranges.declared_first, ranges.first_month),
                                      coalesce(ranges.declared_last, ranges.last_month), interval 1 month)) as month
    ) as m
    where coalesce(ranges.declared_first, ranges.first_month) is not null
),

files as (
    -- the files the table was read from, the first three named
    select
        source_table,
        array_to_string(list_slice(list(source_file order by source_file), 1, 3), ', ')
            || case when count(*) > 3 then ', … (' || count(*) || ' files)' else '' end as source_files
    from {{ source('raw_files', 'raw_files') }}
    group by all
),

month_rows as (
    select
        coalesce(e.source_table, monthly.source_table) as source_table,
        coalesce(e.segment, monthly.segment) as segment,
        coalesce(e.month, cast(monthly.month as date)) as month,
        coalesce(monthly.usable_rows, 0) as usable_rows,
        e.month is not null as is_expected
    from expected_months as e
    full join monthly
        on e.source_table = monthly.source_table and e.segment = monthly.segment and e.month = monthly.month
),

required_tables as (
    select name as source_table from (values {% for t in required %}('{{ t }}'){% if not loop.last %}, {% endif %}{% endfor %}) as r(name)
),

required_rows as (
    select
        required_tables.source_table,
        'all' as segment,
        cast(null as date) as month,
        coalesce(counts.usable_rows, 0) as usable_rows,
        true as is_expected
    from required_tables
    left join (
        select 'enterprises' as source_table, count(*) as usable_rows from {{ ref('stg_enterprises') }}
        union all
        select 'invoices', count(*) from {{ ref('stg_invoices') }}
    ) as counts using (source_table)
)

select
    rows.source_table,
    rows.segment,
    rows.month,
    rows.usable_rows,
    rows.is_expected,
    rows.is_expected and rows.usable_rows = 0 as is_missing,
    case
        when rows.is_expected and rows.usable_rows = 0 and rows.month is null then
            rows.source_table || ': no usable rows at all in ' || coalesce(files.source_files, 'no file')
        when rows.is_expected and rows.usable_rows = 0 then
            rows.source_table || ': no ' || case when rows.segment = 'all' then '' else rows.segment || ' ' end
            || 'rows for ' || strftime(rows.month, '%Y-%m') || ' in ' || coalesce(files.source_files, 'no file')
    end as message
from (select * from month_rows union all select * from required_rows) as rows
left join files using (source_table)
order by rows.source_table, rows.segment, rows.month nulls first
