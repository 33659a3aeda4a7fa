"""The dbt project as Dagster sees it: where it is, which dbt runs it, and its manifest.

dbt's profile reads the warehouse paths from the environment, so they are exported, as absolute
paths, when this module is imported by the code location (settings.export_engine_environment).
"""

import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from analytics import settings
from orchestration.metadata import OWNERS

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
settings.export_engine_environment()

dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR,
    profiles_dir=settings.DBT_PROJECT_DIR,
)
dbt_project.prepare_if_dev()


def dbt_executable() -> str:
    """dbt from PATH, else the one installed beside this Python (a venv not activated)."""
    beside_python = Path(sys.executable).parent / "dbt"
    return shutil.which("dbt") or (str(beside_python) if beside_python.exists() else "dbt")


def _dbt_sources_newer_than(manifest: Path) -> bool:
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    project = settings.DBT_PROJECT_DIR
    candidates = [project / "dbt_project.yml", project / "profiles.yml"]
    for folder in ("models", "macros", "tests", "seeds"):
        candidates.extend((project / folder).rglob("*"))
    return any(path.is_file() and path.stat().st_mtime > built for path in candidates)


def dbt_log_flags() -> list[str]:
    """dbt's global flags for its log file. dbt.log (every event, as JSON) only with
    ANALYTICS_DBT_DEBUG_LOG: dbt formats each event for its file before it looks at the level,
    its debug events included (the SQL of every query), which took about 0.7 s of a 5.8 s
    build of one day (0.7 s of 6.5 s CPU). Without it, dbt's info-level output (each model and
    test, errors and their messages) is still in the run's log (analytics-run.log) and in
    Dagster's compute log of the step."""
    if settings.dbt_debug_log():
        return ["--log-format-file", "json"]
    return ["--log-level-file", "none"]


# what `dbt parse` leaves that the project's target folder keeps: the manifest (Dagster's
# definitions read it), MetricFlow's semantic manifest, and the parse the next dbt command reuses
PARSE_ARTIFACTS = ("partial_parse.msgpack", "semantic_manifest.json", "manifest.json")


def ensure_dbt_manifest() -> None:
    """Run `dbt parse` when the manifest is missing or older than the dbt project's files.

    One process parses at a time (target/.parse.lock; one that waited finds the manifest new
    and does not parse again), into a folder of its own, whose files then replace target's in
    one rename each: a process loading the definitions meanwhile (any command, a run started at
    the same time, the UI) reads the old manifest or the new one whole, where dbt, which writes
    its artifacts in place, would let it read one half written."""
    import fcntl
    import tempfile

    target = settings.DBT_PROJECT_DIR / "target"
    manifest = target / "manifest.json"
    if not _dbt_sources_newer_than(manifest):
        return
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".parse.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _dbt_sources_newer_than(manifest):  # parsed by the process this one waited for
            return
        for left in target.glob(".parse-*"):  # by a parse that was killed: none runs now
            shutil.rmtree(left, ignore_errors=True)
        scratch = Path(tempfile.mkdtemp(prefix=".parse-", dir=target))
        # the profile's own default target, named: a build passes --target, and dbt keeps a
        # parse for a command with the same target flag only (orchestration/dbt_parse.py)
        profile_target = os.environ.get("ANALYTICS_DBT_TARGET") or "duckdb"
        try:
            completed = subprocess.run(
                [sys.executable, "-m", "orchestration.dbt_parse", "parse", "--quiet", "--profiles-dir", ".",
                 "--target", profile_target, "--target-path", str(scratch)],
                cwd=settings.DBT_PROJECT_DIR,
                capture_output=True,
                text=True,
                check=False,
            )
            if completed.returncode != 0:
                detail = (completed.stdout + completed.stderr).strip().splitlines()
                raise RuntimeError("dbt parse failed: " + (detail[-1] if detail else "no output"))
            for name in PARSE_ARTIFACTS:  # the manifest last: it marks the parse as done
                if (scratch / name).is_file():
                    os.replace(scratch / name, target / name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """os.environ with `values` set while the block runs: dagster-dbt starts dbt with a copy of
    this process's environment and has no argument for more, and dbt run in this process reads
    it directly."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# dbt invocations whose folders (dbt.log, manifest, run results, compiled SQL: about 10 MB
# each) are kept under the target folder for a look after a run; older ones are deleted, so a
# year of daily runs does not leave gigabytes behind
KEPT_INVOCATIONS = 5


def dbt_target_dir() -> Path:
    """The project's target folder, where dagster-dbt looks for a parse to reuse
    (DBT_TARGET_PATH, relative to the project, as dagster-dbt reads it)."""
    target = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    return target if target.is_absolute() else settings.DBT_PROJECT_DIR / target


def kept_parse_file() -> Path:
    """Where the last dbt command's parse is kept for the next one of the same dbt target
    (profile output) and warehouse name. A command on DuckDB and one on Spark parse for
    different profiles, and `dbt parse` (the Dagster manifest, ensure_dbt_manifest) writes
    target's own partial_parse.msgpack, so sharing one file made each of them parse the project
    whole again whenever the other had run last. The same holds for two warehouses of different
    names (dbt-duckdb names every model's database after the file): each name keeps its own
    parse, so commands on `warehouse.duckdb` and on `other.duckdb` in turn do not parse the
    whole project every time (about 3 s each; the test suite's warehouses did)."""
    name = re.sub(r"[^A-Za-z0-9_-]", "_", settings.warehouse_path().stem)[:64]
    return dbt_target_dir() / f"partial_parse.{settings.dbt_target()}.{name}.msgpack"


def new_invocation_dir(context: dg.AssetExecutionContext) -> Path:
    """A new folder under target/ for one dbt command of this step, named as dagster-dbt names
    its own (`<op>-<run id>-<random>`), holding a copy of the last parse of this dbt target
    (kept_parse_file; else the last `dbt parse`'s)."""
    name = f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    folder = dbt_target_dir() / name
    folder.mkdir(parents=True)
    _IN_USE[folder] = _lock_in_use(folder, wait=True)
    copy_last_parse(folder)
    return folder


# The folders of the dbt commands this process is running, each with its lock held
# (IN_USE_LOCK) until after_invocation: another process's after_invocation prunes old folders,
# and a long command's folder (a Spark build, while DuckDB runs on another warehouse finish
# beside it) is older than the newest KEPT_INVOCATIONS without being done. dbt writes its
# compiled SQL into it to the end; a folder deleted under it failed the node being written.
IN_USE_LOCK = ".in-use.lock"
_IN_USE: dict[Path, Any] = {}


def _lock_in_use(folder: Path, wait: bool):
    """The open lock file of `folder`, locked exclusively; None if another holds it and
    `wait` is false. The lock goes with the process, however it ends."""
    import fcntl

    handle = (folder / IN_USE_LOCK).open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        handle.close()
        return None
    return handle


def copy_last_parse(folder: Path) -> None:
    """Put the last parse of this dbt target into `folder` (a dbt target path), for its dbt
    command to start from: kept_parse_file, else the last `dbt parse`'s; nothing without one."""
    for parsed in (kept_parse_file(), dbt_target_dir() / "partial_parse.msgpack"):
        if parsed.is_file():
            shutil.copyfile(parsed, folder / "partial_parse.msgpack")
            return


def after_invocation(invocation_dir: Path) -> None:
    """Offer the invocation's parse to the next dbt command and prune old invocation folders.

    Each dbt command runs in a new folder under target/ (new_invocation_dir), with a copy of
    the last parse. The parse this invocation leaves is kept for the next command of the same
    dbt target (kept_parse_file), so its dbt skips parsing (dbt checks it against the project
    and the profile itself, and parses again if they changed). Written to a temporary name and
    renamed: a concurrent run reads either file whole."""
    target = dbt_target_dir()
    parsed = invocation_dir / "partial_parse.msgpack"
    if parsed.is_file():
        staging = target / f".partial_parse.{os.getpid()}.msgpack"
        shutil.copyfile(parsed, staging)
        os.replace(staging, kept_parse_file())
    handle = _IN_USE.pop(invocation_dir, None)
    if handle is not None:
        handle.close()
    runs = []
    for path in target.glob("dbt_models-*"):
        try:
            if path.is_dir():
                runs.append((path.stat().st_mtime, path))
        except OSError:  # pruned meanwhile by another process
            continue
    runs = [path for _, path in sorted(runs, reverse=True)]
    for old in runs[KEPT_INVOCATIONS:]:
        try:
            lock = _lock_in_use(old, wait=False)
        except OSError:  # gone already (another process pruned it), or not ours to open
            continue
        if lock is None:
            continue  # a dbt command still runs in it
        try:
            shutil.rmtree(old, ignore_errors=True)
        finally:
            lock.close()


def describe_test(test: Mapping[str, Any], project_dir: Path) -> str:
    """What a dbt test asserts, for its asset check: the test's own description; for a generic
    test, its name and arguments ("not_null: usage_date"); for a singular test, the comment
    that opens its SQL file."""
    if test.get("description"):
        return test["description"]
    meta = test.get("test_metadata")
    if meta:
        kwargs = {k: v for k, v in (meta.get("kwargs") or {}).items() if k not in ("model", "column_name")}
        column = test.get("column_name")
        args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        subject = f"{column}" if column else "the model"
        return f"dbt test {meta['name']} on {subject}" + (f" ({args})" if args else "")
    path = project_dir / test.get("original_file_path", "")
    try:
        head = path.read_text(encoding="utf-8")
    except OSError:
        return f"dbt singular test {test.get('name')}"
    match = re.match(r"\s*\{#-?(.*?)-?#\}", head, flags=re.DOTALL)
    text = " ".join(match.group(1).split()) if match else ""
    return text or f"dbt singular test {test.get('name')}"


def is_day_grained(config: Mapping[str, Any]) -> bool:
    """Whether a model holds a row per day: its table is partitioned by `usage_date` (the
    `partition_by` a Spark table is stored by), not by `usage_month`."""
    partition_by = config.get("partition_by")
    return (partition_by if isinstance(partition_by, list) else [partition_by]) == ["usage_date"]


class LayeredTranslator(DagsterDbtTranslator):
    """Groups dbt models by layer (staging, intermediate, marts) in the lineage graph, names an
    owner, describes every test's asset check, and links each model to its SQL file. With the
    spark engine, the sources are the raw layer's Parquet tables, so their keys are those of the
    assets that publish them. The incremental marts with a row per day, and only they, are
    partitioned by day (orchestration/defs/partitions.py says why)."""

    def __init__(self, source_key_for_spark, daily_partitions: dg.PartitionsDefinition):
        super().__init__(
            settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_code_references=True)
        )
        self._source_key_for_spark = source_key_for_spark
        self._daily_partitions = daily_partitions

    def get_partitions_def(self, dbt_resource_props: Mapping[str, Any]) -> dg.PartitionsDefinition | None:
        config = dbt_resource_props.get("config") or {}
        if (
            self.get_group_name(dbt_resource_props) == "marts"
            and config.get("materialized") == "incremental"
            and is_day_grained(config)
        ):
            return self._daily_partitions
        return None

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props.get("resource_type") == "source" and settings.engine() == "spark":
            return self._source_key_for_spark(dbt_resource_props["identifier"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 1:
            return fqn[1]
        return super().get_group_name(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return super().get_owners(dbt_resource_props) or OWNERS

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        test = manifest["nodes"][unique_id]
        return spec._replace(description=describe_test(test, Path(dbt_project.project_dir)))
