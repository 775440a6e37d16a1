"""The DuckDB warehouse: schema, the submissions register, staging and promotion."""
