{#-
  Expose the raw files of the data contract as views raw.<table> (run as on-run-start).

  For each table of source 'raw' in models/staging/_sources.yml it finds, anywhere under
  var('raw_dir') and with names compared case-insensitively, <table>.parquet / .csv / .csv.gz and
  every such part file under a folder <table>/ (nested folders too: invoices/2022-01/part-00001.CSV).
  Files and folders whose name starts with '_' or '.' are never read (_format.yml, _archive/);
  any other .csv/.csv.gz/.parquet file outside the contract's tables is named in a warning.
  - Parquet keeps its types; CSV is read as text (all_varchar) so that a malformed value never
    aborts the read: staging parses every value and quarantines what fails. CSV reading follows
    the table's settings in <raw_dir>/_format.yml (macros/raw_format.sql): delimiter, header_row,
    encoding (non-UTF-8 files are read from var('raw_utf8_dir'), where `sme-credit build` / `dbt`
    transcoded them).
  - Every file found, empty (0 bytes) and header-only ones included, is listed in raw.raw_files,
    so marts.source_reconciliation has a row for each; with its size and modification time, which
    tell a redelivered file from the one an earlier build read.
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
  {% set raw_dir = (var('raw_dir') | string).rstrip('/') %}
  {% do run_query('create schema if not exists raw') %}
  {#- file → table: first path component without extension, lowercased -#}
  {% set listing = run_query(
      "with f as (select filename as file, size, cast(last_modified as varchar) as last_modified, lower(substr(filename, " ~ (raw_dir | length + 2) ~ ")) as rel_lower,"
      ~ " substr(filename, " ~ (raw_dir | length + 2) ~ ") as rel from read_blob('" ~ raw_dir ~ "/**'))"
      ~ " select regexp_extract(rel_lower, '^([^/.]+)', 1) as source_table, rel, size,"
      ~ " case when regexp_matches(rel_lower, '\\.parquet$') then 'parquet' else 'csv' end as file_format, last_modified"
      ~ " from f where regexp_full_match(rel_lower, '[^/.]+(\\.(parquet|csv|csv\\.gz)|/(.*/)?[^/]+\\.(parquet|csv|csv\\.gz))')"
      ~ " and not regexp_matches(rel_lower, '(^|/)[._]') order by rel") %}
  {% set tables = graph.sources.values() | selectattr('source_name', 'equalto', 'raw') | map(attribute='name') | list %}
  {% set unread = [] %}
  {% for row in listing.rows if row[0] not in tables %}{% do unread.append(row[1]) %}{% endfor %}
  {% if unread %}
    {{ exceptions.warn(unread | length ~ " raw file(s) under " ~ raw_dir ~ " belong to no table of the contract (" ~ tables | join(', ') ~ ") and are not read: " ~ unread | join(', ')) }}
  {% endif %}
  {% do run_query('create or replace table raw.raw_files (source_table varchar, source_file varchar, file_format varchar, size_bytes bigint, last_modified timestamptz)') %}
  {% for node in graph.sources.values() if node.source_name == 'raw' %}
    {% set files = [] %}
    {% for row in listing.rows if row[0] == node.name %}
      {% do files.append({'rel': row[1], 'size': row[2], 'format': row[3], 'modified': row[4]}) %}
    {% endfor %}
    {% for f in files %}
      {% do run_query("insert into raw.raw_files values ('" ~ node.name ~ "', '" ~ f.rel | replace("'", "''") ~ "', '" ~ f.format ~ "', " ~ f.size ~ ", cast('" ~ f.modified ~ "' as timestamptz))") %}
    {% endfor %}
    {% do _register_raw_table(node, raw_dir, files) %}
  {% endfor %}
  {% do run_query("create or replace table raw.raw_registration as select '"
                  ~ raw_dir | replace("'", "''") ~ "' as raw_dir, current_timestamp as registered_at") %}
  {{ return('') }}
{% endmacro %}


{% macro _empty_raw_view(name, columns) %}
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
{% endmacro %}


{% macro _register_raw_table(node, raw_dir, files) %}
  {% set name = node.name %}
  {% set columns = node.columns.values() | list %}
  {% set formats = files | map(attribute='format') | unique | list %}
  {% if formats | length > 1 %}
    {{ exceptions.raise_compiler_error("raw table '" ~ name ~ "' in " ~ raw_dir ~ ": both Parquet and CSV files found (" ~ files | map(attribute='rel') | join(', ') ~ "); keep one format per table") }}
  {% endif %}
  {% if files | length == 0 %}
    {% if node.meta.get('required') %}
      {{ exceptions.raise_compiler_error("raw table '" ~ name ~ "' is required but no file was found in " ~ raw_dir ~ " (looked for " ~ name ~ ".parquet, " ~ name ~ ".csv, " ~ name ~ ".csv.gz and such part files under " ~ name ~ "/, any letter case). Generate demo data with `sme-credit generate` or point SME_CREDIT_RAW_DIR / --vars raw_dir at your data.") }}
    {% endif %}
    {% do _empty_raw_view(name, columns) %}
    {{ log("raw." ~ name ~ ": no file in " ~ raw_dir ~ ", registered as an empty table", info=True) }}
    {{ return('') }}
  {% endif %}

  {#- a 0-byte file has no header to read: it is listed in raw.raw_files with 0 rows -#}
  {% set readable = files | selectattr('size', 'gt', 0) | list %}
  {% if readable | length == 0 %}
    {% do _empty_raw_view(name, columns) %}
    {{ log("raw." ~ name ~ ": only empty files (" ~ files | map(attribute='rel') | join(', ') ~ "), registered as an empty table", info=True) }}
    {{ return('') }}
  {% endif %}

  {% set fmt = formats[0] %}
  {% set settings = raw_format(name) %}
  {% set base_dir = raw_dir %}
  {% if fmt == 'csv' and not raw_format_is_utf8(settings) %}
    {% set base_dir = (var('raw_utf8_dir', '') | string).rstrip('/') %}
    {% if base_dir == '' %}
      {{ exceptions.raise_compiler_error("raw table '" ~ name ~ "': encoding " ~ settings.encoding ~ " in " ~ raw_format_file() ~ " needs its files transcoded to UTF-8 first: run dbt through `sme-credit build` or `sme-credit dbt`, which do it (var raw_utf8_dir)") }}
    {% endif %}
  {% endif %}
  {% set paths = [] %}
  {% for f in readable %}{% do paths.append(base_dir ~ '/' ~ f.rel | replace("'", "''")) %}{% endfor %}
  {% set file_list = "['" ~ paths | join("', '") ~ "']" %}
  {% if fmt == 'parquet' %}
    {% set reader = "read_parquet(" ~ file_list ~ ", union_by_name = true, filename = true)" %}
  {% else %}
    {% set options = ["all_varchar = true", "union_by_name = true", "filename = true"] %}
    {% set header_row = settings.header_row | int %}
    {% if header_row == 0 %}
      {#- no header line: the columns are the contract's, in its order -#}
      {% do options.append("header = false") %}
      {% do options.append("names = ['" ~ columns | map(attribute='name') | join("', '") ~ "']") %}
    {% else %}
      {% do options.append("header = true") %}
      {% if header_row > 1 %}{% do options.append("skip = " ~ (header_row - 1)) %}{% endif %}
    {% endif %}
    {% if settings.delimiter %}{% do options.append("delim = " ~ _sql_string(settings.delimiter)) %}{% endif %}
    {% set reader = "read_csv(" ~ file_list ~ ", " ~ options | join(', ') ~ ")" %}
  {% endif %}

  {#- every file must hold every contract column: union_by_name would fill a file's missing
      column with NULLs, and its rows would be quarantined for a reason that hides the cause -#}
  {% set present_by_file = {} %}
  {% if fmt == 'parquet' %}
    {% for row in run_query("select file_name, lower(name) from parquet_schema(" ~ file_list ~ ")").rows %}
      {% do present_by_file.setdefault(row[0], []).append(row[1]) %}
    {% endfor %}
  {% else %}
    {% for path in paths %}
      {% set described = run_query("describe select * from read_csv(['" ~ path ~ "'], " ~ options | join(', ') ~ ")") %}
      {% do present_by_file.update({path: described.columns[0].values() | map('lower') | list}) %}
    {% endfor %}
  {% endif %}
  {% set problems = [] %}
  {% for f in readable %}
    {% set present = present_by_file.get(paths[loop.index0], []) %}
    {% set missing = columns | map(attribute='name') | reject('in', present) | list %}
    {% if missing %}{% do problems.append(f.rel ~ " lacks " ~ missing | join(', ')) %}{% endif %}
  {% endfor %}
  {% if problems | length > 0 %}
    {{ exceptions.raise_compiler_error("raw table '" ~ name ~ "': missing column(s): " ~ problems | join('; ') ~ ". The contract (models/staging/_sources.yml) expects: " ~ columns | map(attribute='name') | join(', ') ~ ". Run `sme-credit check " ~ raw_dir ~ "` to see each file's columns.") }}
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
  {% do select_list.append("substr(filename, " ~ (base_dir | length + 2) ~ ") as _source_file") %}
  {% do run_query('create or replace view raw.' ~ name ~ ' as select ' ~ select_list | join(', ') ~ ' from ' ~ reader) %}
  {{ log("raw." ~ name ~ ": " ~ files | length ~ " " ~ fmt ~ " file(s) from " ~ raw_dir, info=True) }}
{% endmacro %}
