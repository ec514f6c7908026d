-- Every raw repayment-performance row, parsed, with the reason it can't be used (NULL = usable).
with source as (
    select * from {{ source('raw', 'loan_performance') }}
),

parsed as (
    select
        _source_file as source_file,
        {{ clean_text('loan_id') }} as loan_id,
        cast(date_trunc('month', {{ parse_date('month') }}) as date) as month,
        {{ parse_number('balance') }} as balance,
        {{ parse_integer('days_past_due') }} as days_past_due,
        {{ unparseable('month', parse_date('month'), 'date') }} as month_error,
        {{ unparseable('balance', parse_number('balance'), 'number') }} as balance_error,
        {{ unparseable('days_past_due', parse_integer('days_past_due'), 'integer') }} as days_past_due_error,
        to_json(struct_pack(loan_id, month, balance, days_past_due)) as raw_record
    from source
),

keyed as (
    select
        *,
        count(distinct (balance, days_past_due)) over (partition by loan_id, month) as versions_of_key
    from parsed
),

loans as (
    select loan_id from {{ ref('stg_loans') }}
)

select
    keyed.source_file,
    keyed.loan_id,
    keyed.month,
    keyed.balance,
    keyed.days_past_due,
    keyed.raw_record,
    {{ first_reason([
        "case when keyed.loan_id is null then 'loan_id: missing' end",
        "month_error", "balance_error", "days_past_due_error",
        "case when keyed.month is null then 'month: missing' end",
        "case when keyed.days_past_due is null or keyed.days_past_due < 0 then 'days_past_due: missing or negative' end",
        "case when keyed.balance < 0 then 'balance: negative' end",
        "case when versions_of_key > 1 then 'loan_id, month: ' || versions_of_key || ' conflicting rows for this month' end",
        "case when loans.loan_id is null then 'loan_id: no such usable loan (orphan or quarantined loan)' end",
    ]) }} as quarantine_reason
from keyed
left join loans on keyed.loan_id = loans.loan_id
