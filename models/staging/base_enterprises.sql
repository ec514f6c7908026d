-- Every raw enterprise row, parsed, with the reason it can't be used (NULL = usable).
with source as (
    select * from {{ source('raw', 'enterprises') }}
),

parsed as (
    select
        _source_file as source_file,
        {{ clean_text('enterprise_id') }} as enterprise_id,
        lower(coalesce({{ clean_text('industry') }}, 'unknown')) as industry,
        {{ clean_text('region') }} as region,
        lower({{ clean_text('size_class') }}) as size_class,
        {{ parse_date('founded_on') }} as founded_on,
        upper({{ clean_text('credit_rating') }}) as credit_rating,
        {{ parse_boolean('has_defaulted') }} as has_defaulted,
        {{ unparseable('founded_on', parse_date('founded_on'), 'date') }} as founded_on_error,
        {{ unparseable('has_defaulted', parse_boolean('has_defaulted'), 'boolean') }} as has_defaulted_error,
        -- raw values for the quarantine record; the name is sensitive and is not copied
        to_json(struct_pack(enterprise_id, industry, region, size_class, founded_on, credit_rating, has_defaulted)) as raw_record
    from source
),

keyed as (
    select
        *,
        -- rows sharing an id but differing in content can't be told apart: none is used
        count(distinct (industry, region, size_class, founded_on, credit_rating, has_defaulted))
            over (partition by enterprise_id) as versions_of_id
    from parsed
)

select
    source_file,
    enterprise_id,
    industry,
    region,
    size_class,
    founded_on,
    credit_rating,
    has_defaulted,
    raw_record,
    {{ first_reason([
        "case when enterprise_id is null then 'enterprise_id: missing' end",
        "founded_on_error",
        "case when founded_on > " ~ data_cutoff_date() ~ " then 'founded_on: ' || founded_on || ' is in the future (after the data cut-off ' || " ~ data_cutoff_date() ~ " || ') (rule founded_after_cutoff, var data_cutoff_date)' end",
        "has_defaulted_error",
        "case when credit_rating not in ('A', 'B', 'C', 'D') then 'credit_rating: not one of A, B, C, D: ''' || credit_rating || '''' end",
        "case when size_class not in ('micro', 'small', 'medium') then 'size_class: not one of micro, small, medium: ''' || size_class || '''' end",
        key_conflict('versions_of_id', ['enterprise_id']),
    ]) }} as quarantine_reason
from keyed
