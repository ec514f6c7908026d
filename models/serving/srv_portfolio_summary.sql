-- Grain: one row per scenario and book (question): the whole portfolio (the 'overall' rows of marts.portfolio_summary).
with summary as (
    select *, {{ book_of_question('question') }} as book
    from {{ ref('portfolio_summary') }}
    where breakdown = 'overall'
)

{{ serving_select('summary') }}
