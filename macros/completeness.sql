{#-
  Post-hook of marts.source_completeness: each row with a message (an expected month, or a
  required table, without usable rows) fails the build or warns. Rule: var('completeness_severity')
  'error' or 'warn' applies to every table; empty (default) = error for a table the contract marks
  meta.required (enterprises, invoices), warning for the others.
-#}
{% macro report_incomplete_sources(relation) %}
  {% if not execute %}{{ return('') }}{% endif %}
  {% set rows = run_query("select source_table, message from " ~ relation ~ " where message is not null order by source_table, segment, month nulls first").rows %}
  {% if rows | length == 0 %}{{ return('') }}{% endif %}
  {% set override = var('completeness_severity', '') | string | lower %}
  {% if override not in ['', 'error', 'warn'] %}
    {{ exceptions.raise_compiler_error("var completeness_severity must be 'error', 'warn' or empty, not '" ~ override ~ "'") }}
  {% endif %}
  {% set required = graph.sources.values() | selectattr('source_name', 'equalto', 'raw') | selectattr('meta.required') | map(attribute='name') | list %}
  {% set errors, warnings = [], [] %}
  {% for row in rows %}
    {% set severity = override or ('error' if row[0] in required else 'warn') %}
    {% do (errors if severity == 'error' else warnings).append(row[1]) %}
  {% endfor %}
  {% for message in warnings %}{{ exceptions.warn("incomplete source: " ~ message) }}{% endfor %}
  {% if errors %}
    {{ exceptions.raise_compiler_error("incomplete sources (" ~ errors | length ~ " problem(s); see marts.source_completeness; var completeness_severity: warn to continue):\n  " ~ errors[:20] | join("\n  ") ~ ("\n  …" if errors | length > 20 else "")) }}
  {% endif %}
  {{ return('') }}
{% endmacro %}
