{#-
  Raw format settings per table, read from <raw_dir>/_format.yml (README "Raw file format").
  The file travels with the data it describes, and `sme-credit check` reads the same file, so a
  delivery's format is declared once, next to it. Top-level keys: a raw table name or `default`
  (applies to every table); a table's keys override `default`'s. Unset settings are none: then
  numbers are parsed only when unambiguous, dates only when ISO-like, the CSV delimiter is
  detected, the encoding is UTF-8 and the header is line 1.
-#}
{% macro raw_format_keys() %}
  {{ return(['delimiter', 'decimal_separator', 'thousands_separator', 'date_formats', 'encoding', 'header_row']) }}
{% endmacro %}

{% macro raw_format_file() %}
  {{ return((var('raw_dir') | string).rstrip('/') ~ '/_format.yml') }}
{% endmacro %}

{#- The settings of one raw table (a dict with every key of raw_format_keys). -#}
{% macro raw_format(table) %}
  {% set settings = {'delimiter': none, 'decimal_separator': none, 'thousands_separator': none,
                     'date_formats': [], 'encoding': 'utf-8', 'header_row': 1} %}
  {% if not execute %}{{ return(settings) }}{% endif %}
  {% set path = raw_format_file() %}
  {#- read_text of a missing file returns no row -#}
  {% set rows = run_query("select content from read_text('" ~ path ~ "')").columns[0].values() | list %}
  {% if rows | length == 0 %}{{ return(settings) }}{% endif %}
  {% set doc = fromyaml(rows[0]) or {} %}
  {% if doc is not mapping %}
    {{ exceptions.raise_compiler_error(path ~ ": expected a mapping of table name → settings") }}
  {% endif %}
  {% set tables = graph.sources.values() | selectattr('source_name', 'equalto', 'raw') | map(attribute='name') | list %}
  {% for key, value in doc.items() %}
    {% if key not in tables and key != 'default' %}
      {{ exceptions.raise_compiler_error(path ~ ": unknown table '" ~ key ~ "' (expected default or one of " ~ tables | join(', ') ~ ")") }}
    {% endif %}
    {% for setting in (value or {}).keys() if setting not in raw_format_keys() %}
      {{ exceptions.raise_compiler_error(path ~ ": " ~ key ~ ": unknown setting '" ~ setting ~ "' (expected " ~ raw_format_keys() | join(', ') ~ ")") }}
    {% endfor %}
  {% endfor %}
  {% do settings.update(doc.get('default') or {}) %}
  {% do settings.update(doc.get(table) or {}) %}
  {% set where = table ~ " in " ~ path %}
  {% if settings.decimal_separator not in [none, '.', ','] %}
    {{ exceptions.raise_compiler_error(where ~ ": decimal_separator must be '.' or ','") }}
  {% endif %}
  {% if settings.thousands_separator not in [none, '', ',', '.', ' ', "'"] or (settings.thousands_separator and settings.thousands_separator == settings.decimal_separator) %}
    {{ exceptions.raise_compiler_error(where ~ ": thousands_separator must be '', ',', '.', ' ' or \"'\" and differ from decimal_separator") }}
  {% endif %}
  {% if (settings.encoding | lower | replace('_', '-')) not in ['utf-8', 'utf8', 'gbk', 'gb18030', 'gb2312'] %}
    {{ exceptions.raise_compiler_error(where ~ ": encoding must be utf-8, gbk, gb18030 or gb2312") }}
  {% endif %}
  {% if settings.date_formats is string %}{% do settings.update({'date_formats': [settings.date_formats]}) %}{% endif %}
  {{ return(settings) }}
{% endmacro %}

{#- Whether the table's files need transcoding to UTF-8 before DuckDB reads them. -#}
{% macro raw_format_is_utf8(settings) %}
  {{ return((settings.encoding | lower | replace('_', '-')) in ['utf-8', 'utf8']) }}
{% endmacro %}

{#- The raw table a base_<table> model reads (none outside staging). -#}
{% macro raw_table_of_model() %}
  {% set name = model.name if model is defined and model.name is defined else '' %}
  {{ return(name[5:] if name.startswith('base_') else none) }}
{% endmacro %}

{#- The format settings of the raw table of the model being compiled (defaults outside staging). -#}
{% macro current_raw_format() %}
  {{ return(raw_format(raw_table_of_model() or '')) }}
{% endmacro %}
