-- Grain: one row per scenario, book (question) and industry (the 'industry' rows of marts.portfolio_summary).
with summary as (
    select *, {{ book_of_question('question') }} as book, breakdown_value as industry
    from {{ ref('portfolio_summary') }}
    where breakdown = 'industry'
)

{{ serving_select('summary') }}
