-- Grain: one row per book (question) and tier-rate scheme of seed 002's grid search.
with schemes as (
    select *, {{ book_of_question('question') }} as book from {{ ref('pricing_schemes') }}
)

{{ serving_select('schemes') }}
