-- Grain: one row per stress scenario, book (question) and tier: the stressed book next to
-- the base case (the 'tier' rows of marts.scenario_summary).
with summary as (
    select *, {{ book_of_question('question') }} as book, breakdown_value as tier
    from {{ ref('scenario_summary') }}
    where breakdown = 'tier'
)

{{ serving_select('summary') }}
