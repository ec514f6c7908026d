-- Grain: one row per raw file (source table and file): raw = staged + duplicates + quarantined.
{{ serving_select(ref('source_reconciliation')) }}
