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
        {{ number_error('balance') }} as balance_error,
        {{ integer_error('days_past_due') }} as days_past_due_error,
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
    select loan_id, cast(date_trunc('month', disbursement_date) as date) as disbursement_month,
        cast(date_trunc('month', disbursement_date) + to_months(term_months) as date) as maturity_month
    from {{ ref('stg_loans') }}
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
        implausible_date('month', 'keyed.month'),
        "case when keyed.month < loans.disbursement_month then 'month: ' || keyed.month || ' is before the loan''s disbursement month ' || loans.disbursement_month || ' (rule month_before_disbursement)' end",
        "case when keyed.month > loans.maturity_month + to_months(" ~ var('performance_grace_months') ~ ") then 'month: ' || keyed.month || ' is more than " ~ var('performance_grace_months') ~ " months after the loan''s maturity month ' || loans.maturity_month || ' (rule month_after_maturity, var performance_grace_months)' end",
        "case when keyed.days_past_due is null then 'days_past_due: missing' end",
        negative_value('days_past_due', 'keyed.days_past_due'),
        negative_value('balance', 'keyed.balance'),
        key_conflict('versions_of_key', ['loan_id', 'month']),
        "case when loans.loan_id is null then 'loan_id: no such usable loan (orphan or quarantined loan)' end",
    ]) }} as quarantine_reason
from keyed
left join loans on keyed.loan_id = loans.loan_id
