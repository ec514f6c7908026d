-- Every raw default-event row, parsed, with the reason it can't be used (NULL = usable).
with source as (
    select * from {{ source('raw', 'default_events') }}
),

parsed as (
    select
        _source_file as source_file,
        {{ clean_text('enterprise_id') }} as enterprise_id,
        {{ parse_date('default_date') }} as default_date,
        lower({{ clean_text('default_type') }}) as default_type,
        {{ clean_text('source') }} as event_source,
        {{ unparseable('default_date', parse_date('default_date'), 'date') }} as default_date_error,
        to_json(struct_pack(enterprise_id, default_date, default_type, source)) as raw_record
    from source
),

enterprises as (
    select enterprise_id, founded_on from {{ ref('stg_enterprises') }}
)

select
    parsed.source_file,
    parsed.enterprise_id,
    parsed.default_date,
    parsed.default_type,
    parsed.event_source,
    parsed.raw_record,
    {{ first_reason([
        "case when parsed.enterprise_id is null then 'enterprise_id: missing' end",
        "default_date_error",
        "case when parsed.default_date is null then 'default_date: missing' end",
        implausible_date('default_date', 'parsed.default_date', 'enterprises.founded_on'),
        "case when parsed.default_type is null then 'default_type: missing' end",
        "case when parsed.default_type not in ('dpd90', 'bankruptcy', 'restructuring', 'write_off', 'other') then 'default_type: not one of dpd90, bankruptcy, restructuring, write_off, other: ''' || parsed.default_type || '''' end",
        "case when enterprises.enterprise_id is null then 'enterprise_id: no such usable enterprise (orphan or quarantined enterprise)' end",
    ]) }} as quarantine_reason
from parsed
left join enterprises on parsed.enterprise_id = enterprises.enterprise_id
