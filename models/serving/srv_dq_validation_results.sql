-- Grain: one row per validation run, suite and expectation (the append-only history of the gate).
with results as (
    select
        *,
        run_id = (select max_by(run_id, run_at) from {{ ref('dq_validation_results') }}) as is_latest_run
    from {{ ref('dq_validation_results') }}
)

{{ serving_select('results') }}
