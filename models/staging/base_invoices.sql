-- Every raw invoice row, parsed and normalised, with the reason it can't be used (NULL = usable).
-- not materialized: the key-conflict check reads the rows a second time, and DuckDB would otherwise
-- buffer every raw row in memory to share it (10^7 invoices: a third more CPU, 1 GB more memory);
-- scanning the Parquet files twice is cheaper
with source as not materialized (
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
        {{ number_error('amount') }} as amount_error,
        {{ number_error('tax') }} as tax_error,
        {{ number_error('total') }} as total_error,
        to_json(struct_pack(enterprise_id, direction, invoice_number, issue_date, counterparty_id, amount, tax, total, status)) as raw_record
    from source
),

hashed as (
    select
        *,
        -- the key: a sales invoice's number is the enterprise's own; a purchase invoice's number
        -- is its seller's, so two sellers' invoices may share one (the CUMCM data have such pairs)
        case when direction = 'purchase' then counterparty_id end as seller_id,
        hash(enterprise_id, direction, invoice_number, case when direction = 'purchase' then counterparty_id end) as key_hash,
        hash(issue_date, counterparty_id, amount, tax, total, status) as content_hash
    from parsed
),

conflicts as (
    -- keys with more than one content: candidates by key hash (one cheap pass over 10^8 rows),
    -- then grouped by the key itself
    select key_hash, enterprise_id, direction, invoice_number, seller_id, count(distinct content_hash) as versions_of_key
    from hashed
    where key_hash in (select key_hash from hashed group by key_hash having min(content_hash) <> max(content_hash))
    group by all
    having count(distinct content_hash) > 1
),

keyed as (
    select hashed.*, conflicts.versions_of_key
    from hashed
    left join conflicts
        on conflicts.key_hash = hashed.key_hash
        and conflicts.enterprise_id is not distinct from hashed.enterprise_id
        and conflicts.direction is not distinct from hashed.direction
        and conflicts.invoice_number is not distinct from hashed.invoice_number
        and conflicts.seller_id is not distinct from hashed.seller_id
),

enterprises as (
    select enterprise_id, founded_on from {{ ref('stg_enterprises') }}
)

select
    keyed.source_file,
    keyed.enterprise_id,
    keyed.direction,
    keyed.invoice_number,
    keyed.issue_date,
    keyed.counterparty_id,
    keyed.amount,
    keyed.tax,
    keyed.total,
    keyed.status,
    keyed.raw_record,
    {{ first_reason([
        "case when keyed.enterprise_id is null then 'enterprise_id: missing' end",
        "case when keyed.direction is null then 'direction: not sales/purchase: ''' || coalesce(raw_direction, '') || '''' end",
        "issue_date_error",
        "case when keyed.issue_date is null then 'issue_date: missing' end",
        implausible_date('issue_date', 'keyed.issue_date', 'enterprises.founded_on'),
        "case when keyed.invoice_number is null then 'invoice_number: missing' end",
        "amount_error", "tax_error", "total_error",
        "case when keyed.amount is null or keyed.total is null then 'amount/total: missing' end",
        "case when keyed.status is null then 'status: not valid/voided: ''' || coalesce(raw_status, '') || '''' end",
        "case when abs(keyed.total - (keyed.amount + coalesce(keyed.tax, 0))) > " ~ var('invoice_total_tolerance') ~ " then 'total: differs from amount + tax' end",
        key_conflict('versions_of_key', ['enterprise_id', 'direction', 'invoice_number', 'seller_id'],
            label='enterprise_id, direction, invoice_number (and counterparty_id of a purchase)'),
        "case when enterprises.enterprise_id is null then 'enterprise_id: no such usable enterprise (orphan, or the enterprise row is quarantined)' end",
    ]) }} as quarantine_reason
from keyed
left join enterprises on keyed.enterprise_id = enterprises.enterprise_id
