"""The DuckDB warehouse: schema and migrations, loading, aggregates, named queries, the published snapshot."""
