"""The published serving layer: contract (models/serving YAML), personal-data checks, keyed
pseudonymisation and the atomic publication to warehouse/serving.duckdb and Parquet."""
