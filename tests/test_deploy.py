"""deploy/: what can be checked without Docker. The collector writes where runs read, compose
uses only variables .env.example defines, and the services agree on volumes and the instance."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import yaml

from analytics.ingest.landing_files import discover_otlp_files
from orchestration import instance
from tests.conftest import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def mount(service: dict, volume: str) -> str:
    for entry in service["volumes"]:
        source, target = entry.split(":")[:2]
        if source == volume:
            return target
    raise AssertionError(f"no {volume} volume in {service}")


def test_compose_references_only_variables_of_env_example():
    text = (DEPLOY / "compose.yaml").read_text()
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    assert used, "compose.yaml takes its settings from .env"
    assert used <= set(env_example()), used - set(env_example())
    assert "$" not in re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", "", text)  # nothing unbraced


def test_the_collector_writes_where_runs_read(tmp_path):
    services = compose()["services"]
    collector = yaml.safe_load((DEPLOY / "otelcol.yaml").read_text())
    landing_in_collector = PurePosixPath(mount(services["otel-collector"], "landing"))
    landing_in_code = mount(services["code"], "landing")
    assert services["code"]["environment"]["ANALYTICS_LANDING_DIR"] == landing_in_code
    assert mount(services["collect"], "landing") == landing_in_code
    assert services["collect"]["environment"]["ANALYTICS_LANDING_DIR"] == landing_in_code

    exporters = {name: spec for name, spec in collector["exporters"].items() if name.startswith("file")}
    pipelines = collector["service"]["pipelines"]
    assert {e for p in pipelines.values() for e in p["exporters"]} == set(exporters)
    assert {"metrics", "logs"} <= set(pipelines)
    for name, spec in exporters.items():
        assert "compression" not in spec and spec.get("format", "json") == "json", name
        assert spec["rotation"]["max_megabytes"] > 0
        relative = PurePosixPath(spec["path"]).relative_to(landing_in_collector)
        # the file being written and one rotated by the exporter, as a run would find them
        written = tmp_path / relative
        rotated = written.with_name(f"{written.stem}-2026-11-24T00-00-00.000.jsonl")
        for path in (written, rotated):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("{}\n")
        found = {Path(f.path).resolve() for f in discover_otlp_files(tmp_path)}
        assert {written.resolve(), rotated.resolve()} <= found, (name, relative)
        assert relative.parts[0] == "otlp" and relative.suffix == ".jsonl"


def test_services_share_one_instance_file_and_storage():
    services = compose()["services"]
    deploy_yaml = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    assert deploy_yaml["storage"]["postgres"]["postgres_url"] == {"env": "ANALYTICS_DAGSTER_STORAGE_URL"}
    # `analytics` writes this very file into DAGSTER_HOME when the URL is set
    assert instance.POSTGRES_DAGSTER_YAML.resolve() == (DEPLOY / "dagster.yaml").resolve()
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert 'cp ../deploy/dagster.yaml "$DAGSTER_HOME/dagster.yaml"' in dockerfile
    for name in ("code", "webserver", "daemon"):
        env = services[name]["environment"]
        assert env["DAGSTER_HOME"] == "/opt/dagster/home"
        assert env["ANALYTICS_DAGSTER_STORAGE_URL"].startswith("postgresql+psycopg2://")
        assert env["ANALYTICS_DAGSTER_STORAGE_URL"].endswith("@postgres:5432/dagster")
        assert env["ANALYTICS_SERVING_URL"].endswith("@postgres:5432/analytics")
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())
    server = workspace["load_from"][0]["grpc_server"]
    assert server["host"] in services and '"--port", "4000"' in dockerfile and server["port"] == 4000
    assert services["collect"]["command"][:2] == ["analytics", "collect"]
    assert "ANALYTICS_COLLECT_TOKEN" in services["collect"]["environment"]
