{#-
  Drop what dbt-duckdb 1.11.1 leaves behind after an incremental run of a Python model.

  Its incremental materialization builds the new rows of a Python model into
  main.<model>__dbt_tmp<timestamp>; it means a temporary table, but a Python model writes a
  regular one, and the materialization drops only non-temporary relations, so one table per
  run piled up (dq_validation_results). Used as the model's post-hook: it runs after the
  append, in the same transaction, and also removes tables left by earlier builds.
-#}
{% macro drop_python_incremental_temp_tables(relation) %}
  {% if not execute %}{{ return('') }}{% endif %}
  {% set leftovers = run_query(
      "select table_name from information_schema.tables where table_catalog = '" ~ relation.database
      ~ "' and table_schema = 'main' and table_type = 'BASE TABLE' and starts_with(table_name, '"
      ~ relation.identifier ~ "__dbt_tmp')").columns[0].values() | list %}
  {% for name in leftovers %}
    {% do run_query('drop table if exists "' ~ relation.database ~ '"."main"."' ~ name ~ '"') %}
  {% endfor %}
  {{ return('') }}
{% endmacro %}
