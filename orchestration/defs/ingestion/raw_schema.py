"""DDL of the `raw` schema: what ingestion writes and dbt reads as sources.

Raw rows are keyed by the landed file they came from (`source_file`, `source_line`,
`record_index`), so a file is loaded once and replaced as a whole when it changes. The
`usage_date` column is the UTC day of the record's own `timeUnixNano`; dbt filters on it.
"""

RAW_SCHEMA = "raw"

OTLP_METRIC_POINTS_COLUMNS = """
    usage_date DATE NOT NULL,
    point_time TIMESTAMP NOT NULL,
    time_unix_nano BIGINT NOT NULL,
    start_time_unix_nano BIGINT,
    metric_name VARCHAR NOT NULL,
    metric_type VARCHAR NOT NULL,
    metric_unit VARCHAR,
    aggregation_temporality INTEGER,
    is_monotonic BOOLEAN,
    value DOUBLE NOT NULL,
    session_id VARCHAR,
    user_id VARCHAR,
    user_email VARCHAR,
    api_key_name VARCHAR,
    user_account_uuid VARCHAR,
    organization_id VARCHAR,
    terminal_type VARCHAR,
    service_name VARCHAR,
    service_version VARCHAR,
    attr_type VARCHAR,
    attr_model VARCHAR,
    attr_decision VARCHAR,
    attr_source VARCHAR,
    attr_tool_name VARCHAR,
    attr_language VARCHAR,
    attr_start_type VARCHAR,
    attr_query_source VARCHAR,
    scope_name VARCHAR,
    scope_version VARCHAR,
    resource_attributes_json VARCHAR NOT NULL,
    attributes_json VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    source_line INTEGER NOT NULL,
    record_index INTEGER NOT NULL,
    loaded_at TIMESTAMP NOT NULL
"""

OTLP_LOG_RECORDS_COLUMNS = """
    usage_date DATE NOT NULL,
    event_time TIMESTAMP NOT NULL,
    time_unix_nano BIGINT NOT NULL,
    observed_time_unix_nano BIGINT,
    body VARCHAR,
    event_name VARCHAR,
    event_sequence BIGINT,
    session_id VARCHAR,
    user_id VARCHAR,
    user_email VARCHAR,
    api_key_name VARCHAR,
    user_account_uuid VARCHAR,
    organization_id VARCHAR,
    terminal_type VARCHAR,
    service_name VARCHAR,
    service_version VARCHAR,
    prompt_id VARCHAR,
    attr_model VARCHAR,
    attr_tool_name VARCHAR,
    attr_decision VARCHAR,
    attr_source VARCHAR,
    cost_usd DOUBLE,
    input_tokens DOUBLE,
    output_tokens DOUBLE,
    cache_read_tokens DOUBLE,
    cache_creation_tokens DOUBLE,
    duration_ms DOUBLE,
    status_code VARCHAR,
    severity_number INTEGER,
    severity_text VARCHAR,
    scope_name VARCHAR,
    scope_version VARCHAR,
    resource_attributes_json VARCHAR NOT NULL,
    attributes_json VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    source_line INTEGER NOT NULL,
    record_index INTEGER NOT NULL,
    loaded_at TIMESTAMP NOT NULL
"""

QUARANTINE_COLUMNS = """
    source_file VARCHAR NOT NULL,
    source_line INTEGER NOT NULL,
    record_index INTEGER,
    signal VARCHAR,
    reason VARCHAR NOT NULL,
    excerpt VARCHAR,
    quarantined_at TIMESTAMP NOT NULL
"""

LANDED_FILES_COLUMNS = """
    source_file VARCHAR PRIMARY KEY,
    size_bytes BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    content_hash VARCHAR NOT NULL,
    lines_read BIGINT NOT NULL,
    lines_loaded BIGINT NOT NULL,
    lines_quarantined BIGINT NOT NULL,
    metric_points BIGINT NOT NULL,
    log_records BIGINT NOT NULL,
    records_quarantined BIGINT NOT NULL,
    min_usage_date DATE,
    max_usage_date DATE,
    first_loaded_at TIMESTAMP NOT NULL,
    last_loaded_at TIMESTAMP NOT NULL
"""

ROSTER_COLUMNS = """
    email VARCHAR,
    api_key_name VARCHAR,
    user_ids VARCHAR,
    team VARCHAR,
    role VARCHAR,
    source_line INTEGER NOT NULL,
    content_hash VARCHAR,
    loaded_at TIMESTAMP NOT NULL
"""

TABLES = {
    "otlp_metric_points": OTLP_METRIC_POINTS_COLUMNS,
    "otlp_log_records": OTLP_LOG_RECORDS_COLUMNS,
    "quarantine": QUARANTINE_COLUMNS,
    "landed_files": LANDED_FILES_COLUMNS,
    "roster": ROSTER_COLUMNS,
}


def _column_definitions(columns: str) -> list[tuple[str, str]]:
    """(name, type) of each column of a DDL column list, constraints left out."""
    definitions = []
    for line in columns.strip().splitlines():
        name, *rest = line.strip().rstrip(",").split()
        type_words = [w for w in rest if w.upper() not in ("NOT", "NULL", "PRIMARY", "KEY")]
        definitions.append((name, " ".join(type_words)))
    return definitions


def create_tables(con, tables: dict[str, str]) -> None:
    """Create raw tables, and add the columns a newer version of their DDL defines.

    Added columns are nullable: rows loaded before the upgrade hold NULL until their files are
    reloaded.
    """
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for table, columns in tables.items():
        con.execute(f"create table if not exists {RAW_SCHEMA}.{table} ({columns})")
        existing = {
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [RAW_SCHEMA, table],
            ).fetchall()
        }
        for name, column_type in _column_definitions(columns):
            if name not in existing:
                con.execute(f"alter table {RAW_SCHEMA}.{table} add column {name} {column_type}")


def create_raw_tables(con) -> None:
    """Create the raw schema and the OTLP, quarantine, manifest and roster tables."""
    create_tables(con, TABLES)
