{#-
  Expose the raw files of the data contract as views raw.<table> (run as on-run-start).

  For each table of source 'raw' in models/staging/_sources.yml it looks in var('raw_dir') for
  <table>.parquet, <table>/*.parquet, <table>.csv, <table>.csv.gz, <table>/*.csv, <table>/*.csv.gz.
  - Parquet keeps its types; CSV is read as text (all_varchar) so that a malformed value never
    aborts the read: staging parses every value and quarantines what fails.
  - Each view keeps the contract's columns plus _source_file (path relative to raw_dir); a column
    with meta.sensitivity 'personal' (enterprise_name) is replaced by <column>_sha256.
  - A missing contract column stops the build with an error naming the files and the column.
  - A table without files becomes an empty view with the contract's columns, unless the source
    table is marked meta.required (enterprises, invoices), which is an error.
  - raw.raw_registration (one row: raw_dir, registered_at) records the directory the views read,
    so that `sme-credit dbt` without --raw-dir reuses it instead of re-pointing them.
-#}
{% macro register_raw_sources() %}
  {% if not execute %}{{ return('') }}{% endif %}
  {% set raw_dir = var('raw_dir') | string %}
  {% set raw_dir = raw_dir.rstrip('/') %}
  {% do run_query('create schema if not exists raw') %}
  {% for node in graph.sources.values() if node.source_name == 'raw' %}
    {% do _register_raw_table(node, raw_dir) %}
  {% endfor %}
  {% do run_query("create or replace table raw.raw_registration as select '"
                  ~ raw_dir | replace("'", "''") ~ "' as raw_dir, current_timestamp as registered_at") %}
  {{ return('') }}
{% endmacro %}


{% macro _register_raw_table(node, raw_dir) %}
  {% set name = node.name %}
  {% set columns = node.columns.values() | list %}
  {% set patterns = {
      'parquet': [raw_dir ~ '/' ~ name ~ '.parquet', raw_dir ~ '/' ~ name ~ '/*.parquet'],
      'csv': [raw_dir ~ '/' ~ name ~ '.csv', raw_dir ~ '/' ~ name ~ '.csv.gz',
              raw_dir ~ '/' ~ name ~ '/*.csv', raw_dir ~ '/' ~ name ~ '/*.csv.gz'],
  } %}
  {% set found = {} %}
  {% for fmt, globs in patterns.items() %}
    {% set unions = [] %}
    {% for g in globs %}{% do unions.append("select file from glob('" ~ g ~ "')") %}{% endfor %}
    {% set files = run_query(unions | join(' union all ') ~ ' order by file').columns[0].values() | list %}
    {% if files | length > 0 %}{% do found.update({fmt: files}) %}{% endif %}
  {% endfor %}

  {% if found | length > 1 %}
    {{ exceptions.raise_compiler_error("raw table '" ~ name ~ "' in " ~ raw_dir ~ ": both Parquet and CSV files found (" ~ (found.values() | sum(start=[]) | join(', ')) ~ "); keep one format per table") }}
  {% endif %}

  {% if found | length == 0 %}
    {% if node.meta.get('required') %}
      {{ exceptions.raise_compiler_error("raw table '" ~ name ~ "' is required but no file was found in " ~ raw_dir ~ " (looked for " ~ (patterns.parquet + patterns.csv) | join(', ') ~ "). Generate demo data with `sme-credit generate` or point SME_CREDIT_RAW_DIR / --vars raw_dir at your data.") }}
    {% endif %}
    {% set select_list = [] %}
    {% for col in columns %}
      {% if col.meta.get('sensitivity') == 'personal' %}
        {% do select_list.append('cast(null as varchar) as ' ~ adapter.quote(col.name ~ '_sha256')) %}
      {% else %}
        {% do select_list.append('cast(null as ' ~ (col.data_type or 'varchar') ~ ') as ' ~ adapter.quote(col.name)) %}
      {% endif %}
    {% endfor %}
    {% do select_list.append('cast(null as varchar) as _source_file') %}
    {% do run_query('create or replace view raw.' ~ name ~ ' as select ' ~ select_list | join(', ') ~ ' where false') %}
    {{ log("raw." ~ name ~ ": no file in " ~ raw_dir ~ ", registered as an empty table", info=True) }}
    {{ return('') }}
  {% endif %}

  {% set fmt = (found.keys() | list)[0] %}
  {% set files = found[fmt] %}
  {% set file_list = "['" ~ files | join("', '") ~ "']" %}
  {% if fmt == 'parquet' %}
    {% set reader = "read_parquet(" ~ file_list ~ ", union_by_name = true, filename = true)" %}
  {% else %}
    {% set reader = "read_csv(" ~ file_list ~ ", header = true, all_varchar = true, union_by_name = true, filename = true)" %}
  {% endif %}

  {% set present = run_query('describe select * from ' ~ reader).columns[0].values() | map('lower') | list %}
  {% set missing = [] %}
  {% for col in columns %}
    {% if col.name | lower not in present %}{% do missing.append(col.name) %}{% endif %}
  {% endfor %}
  {% if missing | length > 0 %}
    {{ exceptions.raise_compiler_error("raw table '" ~ name ~ "' (" ~ files | join(', ') ~ "): missing column(s) " ~ missing | join(', ') ~ ". The contract (models/staging/_sources.yml) expects: " ~ columns | map(attribute='name') | join(', ')) }}
  {% endif %}

  {% set select_list = [] %}
  {% for col in columns %}
    {#- a personal column (meta.sensitivity) is never readable in the warehouse: only its digest,
        which the serving layer's publication uses to prove no value of it was published -#}
    {% if col.meta.get('sensitivity') == 'personal' %}
      {% do select_list.append('sha256(trim(cast(' ~ adapter.quote(col.name) ~ ' as varchar))) as ' ~ adapter.quote(col.name ~ '_sha256')) %}
    {% else %}
      {% do select_list.append(adapter.quote(col.name)) %}
    {% endif %}
  {% endfor %}
  {% do select_list.append("replace(filename, '" ~ raw_dir ~ "/', '') as _source_file") %}
  {% do run_query('create or replace view raw.' ~ name ~ ' as select ' ~ select_list | join(', ') ~ ' from ' ~ reader) %}
  {{ log("raw." ~ name ~ ": " ~ files | length ~ " " ~ fmt ~ " file(s) from " ~ raw_dir, info=True) }}
{% endmacro %}
