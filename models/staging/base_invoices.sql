-- Every raw invoice row, parsed and normalised, with the reason it can't be used (NULL = usable).
with source as (
    select * from {{ source('raw', 'invoices') }}
),

parsed as (
    select
        _source_file as source_file,
        {{ clean_text('enterprise_id') }} as enterprise_id,
        case
            when lower({{ clean_text('direction') }}) in ('sales', 'sale', 'output', '销项') then 'sales'
            when lower({{ clean_text('direction') }}) in ('purchase', 'purchases', 'input', '进项') then 'purchase'
        end as direction,
        {{ clean_text('invoice_number') }} as invoice_number,
        {{ parse_date('issue_date') }} as issue_date,
        {{ clean_text('counterparty_id') }} as counterparty_id,
        {{ parse_number('amount') }} as amount,
        {{ parse_number('tax') }} as tax,
        {{ parse_number('total') }} as total,
        case
            when lower({{ clean_text('status') }}) in ('valid', '有效发票', '有效') then 'valid'
            when lower({{ clean_text('status') }}) in ('voided', 'void', '作废发票', '作废') then 'voided'
        end as status,
        {{ clean_text('direction') }} as raw_direction,
        {{ clean_text('status') }} as raw_status,
        {{ unparseable('issue_date', parse_date('issue_date'), 'date') }} as issue_date_error,
        {{ unparseable('amount', parse_number('amount'), 'number') }} as amount_error,
        {{ unparseable('tax', parse_number('tax'), 'number') }} as tax_error,
        {{ unparseable('total', parse_number('total'), 'number') }} as total_error,
        to_json(struct_pack(enterprise_id, direction, invoice_number, issue_date, counterparty_id, amount, tax, total, status)) as raw_record
    from source
),

enterprises as (
    select enterprise_id from {{ ref('stg_enterprises') }}
)

select
    parsed.source_file,
    parsed.enterprise_id,
    parsed.direction,
    parsed.invoice_number,
    parsed.issue_date,
    parsed.counterparty_id,
    parsed.amount,
    parsed.tax,
    parsed.total,
    parsed.status,
    parsed.raw_record,
    {{ first_reason([
        "case when parsed.enterprise_id is null then 'enterprise_id: missing' end",
        "case when parsed.direction is null then 'direction: not sales/purchase: ''' || coalesce(raw_direction, '') || '''' end",
        "issue_date_error",
        "case when parsed.issue_date is null then 'issue_date: missing' end",
        "amount_error", "tax_error", "total_error",
        "case when parsed.amount is null or parsed.total is null then 'amount/total: missing' end",
        "case when parsed.status is null then 'status: not valid/voided: ''' || coalesce(raw_status, '') || '''' end",
        "case when abs(parsed.total - (parsed.amount + coalesce(parsed.tax, 0))) > " ~ var('invoice_total_tolerance') ~ " then 'total: differs from amount + tax' end",
        "case when enterprises.enterprise_id is null then 'enterprise_id: no such usable enterprise (orphan, or the enterprise row is quarantined)' end",
    ]) }} as quarantine_reason
from parsed
left join enterprises on parsed.enterprise_id = enterprises.enterprise_id
