-- Grain: one row per scenario, book (question) and pricing tier (the 'tier' rows of marts.portfolio_summary).
with summary as (
    select *, {{ book_of_question('question') }} as book, breakdown_value as tier
    from {{ ref('portfolio_summary') }}
    where breakdown = 'tier'
)

{{ serving_select('summary') }}
