-- Every raw loan row, parsed, with the reason it can't be used (NULL = usable).
with source as (
    select * from {{ source('raw', 'loans') }}
),

parsed as (
    select
        _source_file as source_file,
        {{ clean_text('loan_id') }} as loan_id,
        {{ clean_text('enterprise_id') }} as enterprise_id,
        {{ parse_date('application_date') }} as application_date,
        {{ parse_date('disbursement_date') }} as disbursement_date,
        lower({{ clean_text('product') }}) as product,
        {{ parse_number('amount') }} as amount,
        {{ parse_integer('term_months') }} as term_months,
        {{ parse_number('interest_rate') }} as interest_rate,
        lower({{ clean_text('guarantee_method') }}) as guarantee_method,
        upper({{ clean_text('pre_loan_rating') }}) as pre_loan_rating,
        {{ parse_number('daily_avg_deposit') }} as daily_avg_deposit,
        {{ parse_boolean('has_negative_credit_info') }} as has_negative_credit_info,
        {{ parse_boolean('epidemic_impacted') }} as epidemic_impacted,
        {{ unparseable('application_date', parse_date('application_date'), 'date') }} as application_date_error,
        {{ unparseable('disbursement_date', parse_date('disbursement_date'), 'date') }} as disbursement_date_error,
        {{ number_error('amount') }} as amount_error,
        {{ integer_error('term_months') }} as term_months_error,
        {{ number_error('interest_rate', is_amount=false) }} as interest_rate_error,
        {{ number_error('daily_avg_deposit') }} as daily_avg_deposit_error,
        {{ unparseable('has_negative_credit_info', parse_boolean('has_negative_credit_info'), 'boolean') }} as negative_info_error,
        {{ unparseable('epidemic_impacted', parse_boolean('epidemic_impacted'), 'boolean') }} as epidemic_error,
        to_json(struct_pack(loan_id, enterprise_id, application_date, disbursement_date, product, amount, term_months,
            interest_rate, guarantee_method, pre_loan_rating, daily_avg_deposit, has_negative_credit_info, epidemic_impacted)) as raw_record
    from source
),

keyed as (
    select
        *,
        count(distinct (enterprise_id, application_date, disbursement_date, product, amount, term_months, interest_rate,
            guarantee_method, pre_loan_rating, daily_avg_deposit, has_negative_credit_info, epidemic_impacted))
            over (partition by loan_id) as versions_of_id
    from parsed
),

enterprises as (
    select enterprise_id, founded_on from {{ ref('stg_enterprises') }}
)

select
    keyed.* exclude (application_date_error, disbursement_date_error, amount_error, term_months_error, interest_rate_error,
        daily_avg_deposit_error, negative_info_error, epidemic_error, versions_of_id),
    {{ first_reason([
        "case when keyed.loan_id is null then 'loan_id: missing' end",
        "case when keyed.enterprise_id is null then 'enterprise_id: missing' end",
        "application_date_error", "disbursement_date_error", "amount_error", "term_months_error",
        "interest_rate_error", "daily_avg_deposit_error", "negative_info_error", "epidemic_error",
        "case when keyed.disbursement_date is null then 'disbursement_date: missing' end",
        implausible_date('application_date', 'keyed.application_date', 'enterprises.founded_on'),
        implausible_date('disbursement_date', 'keyed.disbursement_date', 'enterprises.founded_on'),
        "case when keyed.amount is null or keyed.amount <= 0 then 'amount: missing or not positive' end",
        "case when keyed.term_months is null or keyed.term_months <= 0 then 'term_months: missing or not positive' end",
        "case when keyed.interest_rate < 0 or keyed.interest_rate > 1 then 'interest_rate: not a fraction in [0, 1]' end",
        negative_value('daily_avg_deposit', 'keyed.daily_avg_deposit'),
        "case when keyed.disbursement_date < keyed.application_date then 'disbursement_date: before application_date' end",
        "case when keyed.pre_loan_rating not in ('A', 'B', 'C', 'D') then 'pre_loan_rating: not one of A, B, C, D' end",
        key_conflict('versions_of_id', ['loan_id']),
        "case when enterprises.enterprise_id is null then 'enterprise_id: no such usable enterprise (orphan, or the enterprise row is quarantined)' end",
    ]) }} as quarantine_reason
from keyed
left join enterprises on keyed.enterprise_id = enterprises.enterprise_id
