{#-
  on-run-end: say, at the end of every dbt command that built the PD marts, which PDs did not
  come from a model fitted by this build (a skipped task, a reused fit, the rating master scale).
  `sme-credit build` prints the same facts in a banner after dbt's summary.
-#}
{% macro report_pd_fallbacks(results) %}
  {% if not execute %}{{ return('') }}{% endif %}
  {% set built = results | selectattr('node.name', 'equalto', 'enterprise_pd') | selectattr('status', 'equalto', 'success') | list %}
  {% set runs_relation = adapter.get_relation(database=target.database, schema='marts', identifier='pd_model_runs') %}
  {% set pd_relation = adapter.get_relation(database=target.database, schema='marts', identifier='enterprise_pd') %}
  {% if not built or runs_relation is none or pd_relation is none %}{{ return('') }}{% endif %}
  {% set runs = run_query("select level || '/' || variant || ' ' || status || ': ' || coalesce(reason, '') from "
      ~ runs_relation ~ " where status = 'reused' or (status = 'skipped' and reason like '%need%')") %}
  {% set sources = run_query("select pd_source, count(*) from " ~ pd_relation
      ~ " where pd_source not in ('model', 'in_default') or pd_source is null group by 1 order by 1") %}
  {% for row in runs.rows %}
    {% do log("PD FALLBACK: " ~ row[0], info=True) %}
  {% endfor %}
  {% for row in sources.rows %}
    {% do log("PD FALLBACK: " ~ row[1] ~ " enterprise PDs from " ~ (row[0] or 'no source (pricing declines them)')
        ~ (' (seeds/rating_pd_master_scale.csv: an assumption)' if row[0] == 'rating_master_scale' else ''), info=True) %}
  {% endfor %}
  {{ return('') }}
{% endmacro %}
