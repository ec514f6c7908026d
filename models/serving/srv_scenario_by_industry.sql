-- Grain: one row per stress scenario, book (question) and industry: the stressed book next to
-- the base case (the 'industry' rows of marts.scenario_summary).
with summary as (
    select *, {{ book_of_question('question') }} as book, breakdown_value as industry
    from {{ ref('scenario_summary') }}
    where breakdown = 'industry'
)

{{ serving_select('summary') }}
