"""Definition metadata a Dagster user expects on the raw assets: the table's name and columns,
taken from the one DDL module (analytics/ingest/raw_schema.py)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from analytics.ingest.raw_schema import (
    META_SCHEMA,
    META_TABLES,
    RAW_SCHEMA,
    TABLES,
    column_definitions,
)

# Who answers for the pipeline's assets (raw and dbt), as the UI shows owners.
OWNERS = ["team:analytics-engineering"]


def table_metadata(table: str) -> dict:
    """`dagster/table_name` and `dagster/column_schema` of a raw (or meta) table."""
    schema, columns = (RAW_SCHEMA, TABLES[table]) if table in TABLES else (META_SCHEMA, META_TABLES[table])
    return {
        "dagster/table_name": f"{schema}.{table}",
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name, kind.lower()) for name, kind in column_definitions(columns)]
        ),
    }


def code_references(*paths: str | Path) -> dict:
    """`dagster/code_references`: the files that define an asset (the UI links to them)."""
    return {
        "dagster/code_references": dg.CodeReferencesMetadataValue(
            code_references=[dg.LocalFileCodeReference(file_path=str(Path(p).resolve())) for p in paths]
        )
    }
