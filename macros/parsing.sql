{#- Parsing helpers used by the staging layer. Each returns NULL when a value cannot be parsed;
    the base_ models turn such NULLs (for a non-empty raw value) into a quarantine reason.
    Raw columns are text (CSV) or already typed (Parquet). `typeof(column)` is folded to a
    constant when DuckDB binds the query, so the CASE keeps one branch: typed columns are cast
    directly and skip the text round trip (5x faster on 10^8 invoices). DuckDB-specific.
    Text is parsed by the format settings of the model's raw table (macros/raw_format.sql). -#}

{%- macro _is_text(column) -%}
    typeof({{ column }}) = 'VARCHAR'
{%- endmacro %}

{#- Text trimmed of spaces, tabs and full-width spaces (the real data has stray ones); '' → NULL. -#}
{% macro clean_text(column) -%}
    nullif(trim(cast({{ column }} as varchar), ' ' || chr(9) || chr(12288)), '')
{%- endmacro %}

{% macro _sql_string(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro _regex_escape(char) -%}
    {{ '\\' ~ char if char in '.+*?()[]{}|^$\\' else char }}
{%- endmacro %}

{#- ISO dates and the yyyy/m/d form of the CUMCM files, then each of the table's date_formats
    (strptime formats from _format.yml). A day/month order is never guessed. -#}
{% macro parse_date(column) -%}
    {%- set formats = current_raw_format().date_formats -%}
    case when {{ _is_text(column) }} then coalesce(try_cast({{ clean_text(column) }} as date)
        {%- for f in formats %}, cast(try_strptime({{ clean_text(column) }}, {{ _sql_string(f) }}) as date){% endfor %})
         else try_cast({{ column }} as date) end
{%- endmacro %}

{#- Text → double by the table's separators (README "Raw file format"). Without settings only
    unambiguous forms parse: 1234.56, -5, 1.5e3, 1,234.56, 1.234,56, 1,234,567; a lone separator
    before exactly three digits (1,234 / 1.234 / 328.000) or a lone comma (1330,99) gives NULL,
    and unparseable() names the setting that would resolve it. -#}
{% macro _parse_number_text(v, fmt) -%}
    {%- set d, t = fmt.decimal_separator, fmt.thousands_separator -%}
    {%- if d is none and t is none -%}
    case
        when regexp_full_match({{ v }}, '[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?')
             and not regexp_full_match({{ v }}, '[+-]?[1-9]\d{0,2}\.\d{3}') then try_cast({{ v }} as double)
        when regexp_full_match({{ v }}, '[+-]?\d{1,3}(,\d{3})+(\.\d+)?')
             and not regexp_full_match({{ v }}, '[+-]?\d{1,3},\d{3}') then try_cast(replace({{ v }}, ',', '') as double)
        when regexp_full_match({{ v }}, '[+-]?\d{1,3}(\.\d{3})+(,\d+)?')
             and not regexp_full_match({{ v }}, '[+-]?\d{1,3}\.\d{3}') then try_cast(replace(replace({{ v }}, '.', ''), ',', '.') as double)
    end
    {%- else -%}
    {#- one setting implies the other: the thousands separator is the other of ',' and '.' -#}
    {%- set d = d if d is not none else (',' if t == '.' else '.') -%}
    {%- set t = t if t is not none else (',' if d == '.' else '.') -%}
    {%- set grouped = '|\d{1,3}(' ~ _regex_escape(t) ~ '\d{3})+' if t else '' -%}
    {%- set exponent = '([eE][+-]?\d+)?' if d == '.' else '' -%}
    {%- set pattern = '[+-]?(\d+' ~ grouped ~ ')(' ~ _regex_escape(d) ~ '\d+)?' ~ exponent -%}
    {%- set plain = ('replace(' ~ v ~ ', ' ~ _sql_string(t) ~ ", '')") if t else v -%}
    case when regexp_full_match({{ v }}, {{ _sql_string(pattern) }})
         then try_cast({{ ("replace(" ~ plain ~ ", ',', '.')") if d == ',' else plain }} as double) end
    {%- endif -%}
{%- endmacro %}

{% macro parse_number(column) -%}
    case when {{ _is_text(column) }} then {{ _parse_number_text(clean_text(column), current_raw_format()) }}
         else try_cast({{ column }} as double) end
{%- endmacro %}

{#- A whole number only: a cast would round 2019.5 to 2020 (or 89.6 days to 90), and a rounded
    fiscal year would then share a key with the real 2020 row and quarantine it as a conflict.
    integer_error() names the rule for the NULL. -#}
{% macro parse_integer(column) -%}
    case when {{ parse_number(column) }} = floor({{ parse_number(column) }}) then try_cast({{ parse_number(column) }} as integer) end
{%- endmacro %}

{#- true/false, 1/0, yes/no, y/n, 是/否. -#}
{% macro parse_boolean(column) -%}
    case
        when typeof({{ column }}) = 'BOOLEAN' then try_cast({{ column }} as boolean)
        when lower({{ clean_text(column) }}) in ('true', 't', '1', 'yes', 'y', '是') then true
        when lower({{ clean_text(column) }}) in ('false', 'f', '0', 'no', 'n', '否') then false
    end
{%- endmacro %}

{#- A reason when the raw value is present but did not parse, else NULL. A number or date that
    failed for want of a format setting names the setting of _format.yml to set. -#}
{% macro unparseable(raw_column, parsed_expression, what) -%}
    {%- set fmt = current_raw_format() -%}
    {%- set table = raw_table_of_model() or 'this table' -%}
    {%- set v = clean_text(raw_column) -%}
    {%- set plain = "'" ~ raw_column ~ ": unparseable " ~ what ~ " ''' || " ~ v ~ " || ''''" -%}
    case when {{ _is_text(raw_column) }} and {{ v }} is not null and ({{ parsed_expression }}) is null then
    {%- if what in ('number', 'integer') and fmt.decimal_separator is none and fmt.thousands_separator is none %}
        case when regexp_full_match({{ v }}, '[+-]?([1-9]\d{0,2}[.,]\d{3}|\d+,\d+)')
             then '{{ raw_column }}: ''' || {{ v }} || ''' is ambiguous (' || case when contains({{ v }}, ',') then 'decimal comma' else 'decimal point' end
                  || ' or thousands separator?): set decimal_separator for {{ table }} in _format.yml'
             else {{ plain }} end
    {%- elif what in ('number', 'integer') %}
        {%- set names = {'.': '"."', ',': '","', ' ': 'space', "'": 'apostrophe', '': 'none'} %}
        {{ plain }} || ' (decimal_separator {{ names.get(fmt.decimal_separator, 'unset') }}, thousands_separator {{ names.get(fmt.thousands_separator, 'unset') }} for {{ table }} in _format.yml)'
    {%- elif what == 'date' and not fmt.date_formats %}
        case when regexp_full_match({{ v }}, '\d{1,2}[./-]\d{1,2}[./-]\d{2,4}')
             then {{ plain }} || ' (day/month order unknown): set date_formats for {{ table }} in _format.yml'
             else {{ plain }} end
    {%- else %}
        {{ plain }}
    {%- endif %}
    end
{%- endmacro %}

{#- First non-NULL reason of a list of reason expressions (NULL = row is usable). -#}
{% macro first_reason(reasons) -%}
    coalesce({{ reasons | join(', ') }})
{%- endmacro %}
