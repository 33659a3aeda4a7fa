"""All DDL of the warehouse's own tables: schema `raw` (what ingestion writes and dbt reads as
sources) and schema `meta` (the pipeline's bookkeeping).

Raw rows are keyed by the landed file they came from and the *generation* of its content
(`source_file`, `source_generation`, `source_line`, `record_index`). A file that grows with its
loaded bytes unchanged stays one generation (loaded again whole); a file that shrinks, is
truncated or replaced starts a new generation, and the rows of earlier generations stay: what
was loaded is never lost because a file changed (dbt's staging de-duplication keeps records
delivered twice from counting twice). The `usage_date` column is the UTC day of the record's
own `timeUnixNano`; dbt filters on it.

`attributes_json`, the records' canonical attributes, is stored with ZSTD rather than the
dictionary and FSST compression DuckDB picks: its values are mostly distinct, and choosing and
applying those was most of the cost of writing the raw tables. Copying the loaded rows of 60
days of 200 members into new tables, the inserts and the commit took 1.6 s instead of 2.8 s
(the load's commits 1.9 -> 1.1 s), and the file holds 29 MB instead of 81 MB; reading the
column whole is about 60 % slower (0.17 s against 0.11 s for 3.5 million points). Tables
created before keep their compression (DuckDB cannot change a column's).
"""

import itertools

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
    attributes_json VARCHAR NOT NULL USING COMPRESSION zstd,
    source_file VARCHAR NOT NULL,
    source_line INTEGER NOT NULL,
    record_index INTEGER NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    source_generation INTEGER DEFAULT 1
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
    attributes_json VARCHAR NOT NULL USING COMPRESSION zstd,
    source_file VARCHAR NOT NULL,
    source_line INTEGER NOT NULL,
    record_index INTEGER NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    source_generation INTEGER DEFAULT 1
"""

# No text of a landed line is kept (it may be a prompt or a file's contents): its length and
# an MD5 identify it. `excerpt` is never written for OTLP lines (kept for the Admin API source).
QUARANTINE_COLUMNS = """
    source_file VARCHAR NOT NULL,
    source_line INTEGER NOT NULL,
    record_index INTEGER,
    signal VARCHAR,
    reason VARCHAR NOT NULL,
    excerpt VARCHAR,
    quarantined_at TIMESTAMP NOT NULL,
    source_generation INTEGER DEFAULT 1,
    line_bytes BIGINT,
    line_hash VARCHAR,
    detail VARCHAR
"""

# One row per generation of a landed file's content; the highest is the file as last seen.
LANDED_FILES_COLUMNS = """
    source_file VARCHAR NOT NULL,
    generation INTEGER NOT NULL,
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
    last_loaded_at TIMESTAMP NOT NULL,
    blank_lines BIGINT,
    lines_repaired BIGINT,
    quarantine_rows_not_stored BIGINT,
    PRIMARY KEY (source_file, generation)
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

# budgets.csv (analytics/ingest/budgets.py): the valid lines; the others go to raw.quarantine.
BUDGETS_COLUMNS = """
    scope VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    monthly_budget_usd DOUBLE NOT NULL,
    source_line INTEGER NOT NULL,
    content_hash VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL
"""

# Pseudonyms of member identities (analytics/privacy.py), only with ANALYTICS_PSEUDONYMIZE=1.
MEMBER_PSEUDONYMS_COLUMNS = """
    member_identifier VARCHAR NOT NULL,
    pseudonym VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL
"""

# The Admin API report (analytics/admin_api/loader.py): one row per item, tool action, model.
ADMIN_API_USAGE_COLUMNS = """
    usage_date DATE NOT NULL,
    actor_type VARCHAR NOT NULL,
    email_address VARCHAR,
    api_key_name VARCHAR,
    organization_id VARCHAR,
    customer_type VARCHAR,
    subscription_type VARCHAR,
    terminal_type VARCHAR,
    is_remote BOOLEAN,
    num_sessions BIGINT,
    lines_added BIGINT,
    lines_removed BIGINT,
    commits BIGINT,
    pull_requests BIGINT,
    tool_actions_json VARCHAR,
    model_breakdown_json VARCHAR,
    item_json VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    page_number INTEGER NOT NULL,
    item_index INTEGER NOT NULL,
    loaded_at TIMESTAMP NOT NULL
"""

ADMIN_API_TOOL_ACTIONS_COLUMNS = """
    usage_date DATE NOT NULL,
    source_file VARCHAR NOT NULL,
    item_index INTEGER NOT NULL,
    tool_key VARCHAR NOT NULL,
    accepted BIGINT,
    rejected BIGINT,
    loaded_at TIMESTAMP NOT NULL
"""

ADMIN_API_MODEL_USAGE_COLUMNS = """
    usage_date DATE NOT NULL,
    source_file VARCHAR NOT NULL,
    item_index INTEGER NOT NULL,
    model_index INTEGER NOT NULL,
    model VARCHAR,
    input_tokens BIGINT,
    output_tokens BIGINT,
    cache_read_tokens BIGINT,
    cache_creation_tokens BIGINT,
    estimated_cost_amount DOUBLE,
    estimated_cost_currency VARCHAR,
    loaded_at TIMESTAMP NOT NULL
"""

TABLES = {
    "otlp_metric_points": OTLP_METRIC_POINTS_COLUMNS,
    "otlp_log_records": OTLP_LOG_RECORDS_COLUMNS,
    "quarantine": QUARANTINE_COLUMNS,
    "landed_files": LANDED_FILES_COLUMNS,
    "roster": ROSTER_COLUMNS,
    "budgets": BUDGETS_COLUMNS,
    "member_pseudonyms": MEMBER_PSEUDONYMS_COLUMNS,
    "admin_api_usage": ADMIN_API_USAGE_COLUMNS,
    "admin_api_tool_actions": ADMIN_API_TOOL_ACTIONS_COLUMNS,
    "admin_api_model_usage": ADMIN_API_MODEL_USAGE_COLUMNS,
}

# ---- schema meta: the pipeline's own bookkeeping, kept out of raw (dbt never reads it) ----

META_SCHEMA = "meta"

# Bookkeeping: which pages each loaded day was built from, so a rerun skips unchanged days (and
# the raw tables, whose row counts and load times dbt's build log fingerprints, stay as they are).
ADMIN_API_LOADED_DAYS_COLUMNS = """
    usage_date DATE PRIMARY KEY,
    pages_fingerprint VARCHAR NOT NULL,
    pages INTEGER NOT NULL,
    pages_quarantined INTEGER NOT NULL,
    items_loaded BIGINT NOT NULL,
    items_quarantined BIGINT NOT NULL,
    loaded_at TIMESTAMP NOT NULL
"""

# Which day windows dbt built from which raw data (analytics/warehouse/build_log.py).
DBT_BUILDS_COLUMNS = """
    window_start DATE NOT NULL,
    window_end DATE NOT NULL,
    fingerprint VARCHAR NOT NULL,
    built_at TIMESTAMP NOT NULL
"""

# Settings the marts were built with: `timezone` (their days are its calendar days) and the
# first and last day built (analytics/warehouse/build_log.py).
BUILD_SETTINGS_COLUMNS = """
    name VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL,
    set_at TIMESTAMP NOT NULL
"""

# Which raw day each Parquet partition was published from (analytics/ingest/raw_parquet.py).
PARQUET_PARTITIONS_COLUMNS = """
    table_name VARCHAR NOT NULL,
    usage_date DATE NOT NULL,
    fingerprint VARCHAR NOT NULL,
    row_count BIGINT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    PRIMARY KEY (table_name, usage_date)
"""

# Budget alerts posted to ANALYTICS_ALERT_WEBHOOK_URL (analytics/alerts.py): a budget's status
# in a month is posted once.
BUDGET_ALERTS_COLUMNS = """
    usage_month DATE NOT NULL,
    scope VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    spend_usd DOUBLE NOT NULL,
    projected_usd DOUBLE NOT NULL,
    budget_usd DOUBLE NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (usage_month, scope, name, status)
"""

META_TABLES = {
    "admin_api_loaded_days": ADMIN_API_LOADED_DAYS_COLUMNS,
    "dbt_builds": DBT_BUILDS_COLUMNS,
    "settings": BUILD_SETTINGS_COLUMNS,
    "parquet_partitions": PARQUET_PARTITIONS_COLUMNS,
    "budget_alerts": BUDGET_ALERTS_COLUMNS,
}


def column_definitions(columns: str) -> list[tuple[str, str]]:
    """(name, type) of each column of a DDL column list, constraints, defaults and storage
    compression left out."""
    definitions = []
    for line in columns.strip().splitlines():
        name, *rest = line.strip().rstrip(",").split()
        if name.upper() == "PRIMARY":
            continue
        # a default value or a storage clause ends the type and constraints
        words = list(itertools.takewhile(lambda w: w.upper() not in ("DEFAULT", "USING"), rest))
        type_words = [w for w in words if w.upper() not in ("NOT", "NULL", "PRIMARY", "KEY")]
        definitions.append((name, " ".join(type_words)))
    return definitions


def create_tables(con, tables: dict[str, str], schema: str = RAW_SCHEMA) -> None:
    """Create tables, and add the columns a newer version of their DDL defines.

    Added columns are nullable: rows loaded before the upgrade hold NULL until their files are
    reloaded.
    """
    con.execute(f"create schema if not exists {schema}")
    for table, columns in tables.items():
        con.execute(f"create table if not exists {schema}.{table} ({columns})")
        existing = {
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchall()
        }
        for name, column_type in column_definitions(columns):
            if name not in existing:
                con.execute(f"alter table {schema}.{table} add column {name} {column_type}")


def _upgrade_manifest(con) -> None:
    """A manifest of one row per file (before generations) becomes generation 1 of each file."""
    columns = {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = 'landed_files'",
            [RAW_SCHEMA],
        ).fetchall()
    }
    if not columns or "generation" in columns:
        return
    con.execute(f"alter table {RAW_SCHEMA}.landed_files rename to landed_files_before_generations")
    con.execute(f"create table {RAW_SCHEMA}.landed_files ({LANDED_FILES_COLUMNS})")
    con.execute(
        f"insert into {RAW_SCHEMA}.landed_files by name select *, 1 as generation "
        f"from {RAW_SCHEMA}.landed_files_before_generations"
    )
    con.execute(f"drop table {RAW_SCHEMA}.landed_files_before_generations")


def create_raw_tables(con) -> None:
    """Create the raw schema's tables and the meta schema's bookkeeping tables."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    _upgrade_manifest(con)
    create_tables(con, TABLES)
    # text of quarantined landed lines was kept before; it may be prompt text
    con.execute(
        f"update {RAW_SCHEMA}.quarantine set excerpt = null "
        "where excerpt is not null and coalesce(signal, '') <> 'admin_api'"
    )
    create_tables(con, META_TABLES, META_SCHEMA)
