-- Grain: one row per stress scenario, book (question): the stressed book next to
-- the base case (the 'overall' rows of marts.scenario_summary).
with summary as (
    select *, {{ book_of_question('question') }} as book
    from {{ ref('scenario_summary') }}
    where breakdown = 'overall'
)

{{ serving_select('summary') }}
