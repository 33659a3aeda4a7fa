"""Ingestion: landed OTLP files and the roster into the warehouse's raw tables (plain Python and
DuckDB SQL; the Dagster assets in orchestration/defs/ingestion/ call these)."""
