"""The DuckDB warehouse file: the lock every process holds, and the dbt build log."""
