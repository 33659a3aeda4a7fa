"""Which builds dbt can skip, or skip part of (analytics/warehouse/build_log.py)."""

import duckdb

from analytics.warehouse import build_log
from tests.conftest import PROJECT_ROOT

DBT_PROJECT = PROJECT_ROOT / "dbt_project"


def test_static_models_are_current_only_with_the_same_code_definitions_and_relations(monkeypatch):
    monkeypatch.setenv("ANALYTICS_TIMEZONE", "UTC")
    monkeypatch.delenv("ANALYTICS_MIN_GROUP_SIZE", raising=False)
    con = duckdb.connect()
    con.execute("create schema raw; create table raw.otlp_metric_points (metric_name varchar)")
    con.execute("create schema staging; create view staging.v as select 1 as x")
    relations = [("staging", "v")]
    code = build_log.code_fingerprint(con, DBT_PROJECT)
    assert not build_log.static_models_current(con, code, relations)  # never built
    build_log.record_static_models(con, code, relations)
    assert build_log.static_models_current(con, code, relations)
    # dbt reads another zone, or another smallest team: other SQL
    monkeypatch.setenv("ANALYTICS_TIMEZONE", "Asia/Tokyo")
    assert build_log.code_fingerprint(con, DBT_PROJECT) != code
    monkeypatch.setenv("ANALYTICS_TIMEZONE", "UTC")
    monkeypatch.setenv("ANALYTICS_MIN_GROUP_SIZE", "3")
    assert build_log.code_fingerprint(con, DBT_PROJECT) != code
    monkeypatch.delenv("ANALYTICS_MIN_GROUP_SIZE")
    # a raw column more (an upgrade): the views select from the raw tables
    con.execute("alter table raw.otlp_metric_points add column value double")
    changed = build_log.code_fingerprint(con, DBT_PROJECT)
    assert changed != code and not build_log.static_models_current(con, changed, relations)
    con.execute("alter table raw.otlp_metric_points drop column value")
    assert build_log.code_fingerprint(con, DBT_PROJECT) == code
    # a view created again with another definition (a `dbt build` by hand in another zone, say)
    con.execute("create or replace view staging.v as select 2 as x")
    assert not build_log.static_models_current(con, code, relations)
    con.execute("create or replace view staging.v as select 1 as x")
    assert build_log.static_models_current(con, code, relations)
    # a relation missing
    con.execute("drop view staging.v")
    assert not build_log.static_models_current(con, code, relations)
    # rows loaded change the build's fingerprint, not the code's
    con.execute("create view staging.v as select 1 as x")
    before = build_log.fingerprint(con, code)
    con.execute("insert into raw.otlp_metric_points values ('a')")
    assert build_log.fingerprint(con, code) != before
    assert build_log.code_fingerprint(con, DBT_PROJECT) == code
    assert build_log.static_models_current(con, code, relations)
