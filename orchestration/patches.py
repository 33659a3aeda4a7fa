"""The one place that reaches into private APIs of Dagster, dagster-dbt or dbt.

Each patch here says what it changes, why the public API could not do it, and has a test in
tests/test_patches.py that fails loudly when an upgrade changes the code it relies on.

1. `LeanDbtCliResource` overrides two private members of dagster-dbt's `DbtCliResource`
   (0.29.x): `_cli_version` and `_initialize_dbt_core_adapter`. Before every dbt command
   dagster-dbt runs `dbt --version` in a subprocess (about 1.5 s) and loads dbt's macros in
   process to hold an adapter (about 2 s), which it uses only for `fetch_column_metadata` and
   `fetch_row_counts`. This project records row counts itself (one query per run), so it needs
   no adapter; and when the dbt executable is the one installed beside this Python, its version
   is that of the dbt-core imported here. dagster-dbt has no setting for either.
2. `quiet_unexecuted_check_warnings` raises one private Dagster logger to ERROR (see there).
3. `LeanDbtCliResource.build_in_process` runs the dbt command with dbt's documented programmatic
   runner (`dbtRunner`) in this process rather than in a `dbt` subprocess, where it can: the dbt
   installed beside this Python, on DuckDB. The subprocess imported dbt again before its first
   query, about 3.5 s of every run, when dagster-dbt has already loaded dbt's modules here. It
   selects the context's subset with dagster-dbt's own private helpers
   (`extract_runtime_selection_from_args`, `get_updated_cli_invocation_params_for_context`,
   which `DbtCliResource.cli` calls) and turns dbt's events into Dagster's with dagster-dbt's
   own `DbtCoreCliEventMessage`, so its outputs, checks and their metadata are those of
   `dbt.cli(...).stream()`. dagster-dbt has no in-process runner. The command writes no JSON
   artifacts (`--no-write-json`: manifest.json, semantic_manifest.json, run_results.json in its
   folder): nothing reads them, Dagster gets each result as dbt's event and the definitions
   read the project's own parse (`dbt parse`, target/), and writing the whole manifest again
   for every build cost about 0.6 s of a one-day build's 7 s.
4. `keep_partial_parse_across_warehouse_paths` wraps dbt-core's (1.11) private
   `ManifestLoader.build_manifest_state_check` for the in-process build. dbt keeps its parse
   between commands (partial_parse.msgpack) only while the profile's connection details are
   unchanged, and dbt-duckdb counts the warehouse file's path among them. Nothing this project
   parses reads the path: a model's `database` is the file's name (which stays in the check),
   and the path is used only to connect. Without the patch, each warehouse at a new path, and
   each command after one on another warehouse (two of the test suite's runs at once), parsed
   the whole project again: about 3 s of a 7 s dbt command on a day's data. dbt has no setting
   for which connection details its parse depends on. The `dbt parse` that ensure_dbt_manifest
   runs applies it too (orchestration/dbt_parse.py), so that the first build after it reads
   its parse back.
5. `keep_compiled_jinja_templates` wraps `compile` of dbt-common's (1.x) Jinja environment
   classes (`MacroFuzzEnvironment` and its native subclass; `Environment.compile` is Jinja's
   public API). dbt compiles every macro, model and test it renders from its Jinja source to
   Python code in each new process: about 390 templates and 0.9 to 1.15 s of every build of
   a day, the same sources every time. The patch keeps each compiled code object in a file
   named by a hash of its source, the environment's class and settings, and the versions of
   Python, Jinja and dbt-common, and reads it back instead of compiling (`marshal`, as Python
   keeps its own bytecode). A file that cannot be read is compiled again and rewritten; files
   are written under a temporary name and renamed, so concurrent runs read whole ones. dbt has
   no setting for a bytecode cache: Jinja's own (`bytecode_cache`) is used only by a template
   loader, and dbt compiles with `from_string`.
6. `keep_dbt_json_schemas` replaces dbt-common's `dbtClassMixin.json_schema` (a classmethod
   cached per process). Each dbt command validates its project, flags, profile and selectors
   against JSON schemas that mashumaro builds from dbt's classes: nine of them, about 0.39 s of
   every build in a new process, the same schemas for the same installed versions. The patch
   keeps each dbt class's schema as a JSON file named by the class and the versions of dbt-core,
   dbt-common, dbt-adapters, the adapters, mashumaro and Python, and reads it back; the
   validation itself is dbt's. dbt has no setting for it.

Patches 5 and 6 keep their files under dbt's target folder (`jinja/`, `schemas/`), beside the
kept parse: whoever can write there can change what dbt runs, as with the project's own files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import marshal
import os
import pprint
import shutil
import sys
import threading
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtCliRuntimeError, DagsterDbtTranslator, DbtCliResource

from orchestration.dbt import dbt_target_dir, environment

# the dbt events that carry a node's result, as dagster-dbt reads them (DbtCoreCliEventMessage)
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})


@dataclass
class InProcessBuild:
    """What a dbt command run in this process gave: its Dagster events, in dbt's order, and the
    error that ended it, if any (the events built before it are still there)."""

    events: list
    error: Exception | None


class LeanDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without the version subprocess and the in-process adapter,
    which can also run dbt in this process (3)."""

    @functools.cached_property
    def _cli_version(self):
        from dbt.version import __version__ as dbt_core_version
        from packaging import version

        if self.dbt_is_beside_python():
            return version.parse(dbt_core_version)
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args):
        return None

    def dbt_is_beside_python(self) -> bool:
        """The dbt executable is the one installed beside this Python: the dbt-core imported here."""
        beside_python = Path(sys.executable).parent / "dbt"
        executable = shutil.which(self.dbt_executable) or self.dbt_executable
        return beside_python.exists() and Path(executable).resolve() == beside_python.resolve()

    def build_in_process(
        self,
        args: list[str],
        context: dg.AssetExecutionContext,
        target_path: Path,
        on_event: Callable[[object], None],
        env: Mapping[str, str],
    ) -> InProcessBuild:
        """3. `dbt <args>` for the context's selection, run by dbtRunner in this process with
        `env` added to the environment and the project folder as the working directory (as the
        subprocess had), its artifacts and dbt.log in `target_path`. `on_event` sees each
        Dagster event as dbt produces it (dbt's threads, one at a time)."""
        from dagster_dbt.asset_utils import (
            extract_runtime_selection_from_args,
            get_updated_cli_invocation_params_for_context,
        )
        from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
        from dbt.adapters.factory import reset_adapters
        from dbt.cli.main import dbtRunner
        from dbt_common.events.functions import msg_to_dict

        apply_dbt_patches()

        cleaned, selects, excludes = extract_runtime_selection_from_args(args)
        params = get_updated_cli_invocation_params_for_context(
            context=context, manifest={}, dagster_dbt_translator=DagsterDbtTranslator(),
            runtime_selects=selects, runtime_excludes=excludes,
        )
        project_dir = Path(params.dbt_project.project_dir if params.dbt_project else self.project_dir)
        argv = [
            *self.global_config_flags, *cleaned,
            *(["--profile", self.profile] if self.profile else []),
            *(["--target", self.target] if self.target else []),
            *params.selection_args,
            "--project-dir", str(project_dir), "--profiles-dir", str(self.profiles_dir or project_dir),
            "--target-path", str(target_path), "--log-path", str(target_path),
            # the console as text: the run's log and Dagster's compute log (dbt.log: dbt_log_flags);
            # no JSON artifacts, which nothing reads (3)
            "--log-format", "text", "--no-use-colors", "--no-write-json",
        ]
        extra = dict(env)
        if params.indirect_selection:
            extra["DBT_INDIRECT_SELECTION"] = params.indirect_selection
        lock = threading.Lock()
        events: list = []
        errors: list[str] = []
        failed: list[Exception] = []

        def on_dbt_event(msg) -> None:
            name, level = msg.info.name, msg.info.level
            if name not in RESULT_EVENTS and level != "error":
                return
            raw = msg_to_dict(msg)
            with lock:
                if level == "error":  # a failed test's result is one too
                    errors.append(raw["info"]["msg"])
                if name not in RESULT_EVENTS:
                    return
                try:
                    event = DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={})
                    for dagster_event in event.to_default_asset_events(
                        manifest=params.manifest, dagster_dbt_translator=params.dagster_dbt_translator,
                        context=context, target_path=target_path, project=params.dbt_project,
                    ):
                        events.append(dagster_event)
                        on_event(dagster_event)
                except Exception as exc:  # noqa: BLE001 - reported after dbt ends, not inside dbt
                    failed.append(exc)

        with environment(extra), contextlib.chdir(project_dir):
            try:
                result = dbtRunner(callbacks=[on_dbt_event]).invoke(argv)
            finally:
                # dbt leaves its adapter registered and dbt-duckdb its database open (keep_open,
                # so that a run does not close and reopen the file between nodes): drop both,
                # so that the step's own connection, and every other process, find it closed
                reset_adapters()
                DuckDBConnectionManager.close_all_connections()
        if isinstance(result.exception, (KeyboardInterrupt, dg.DagsterExecutionInterruptedError)):
            raise result.exception
        if failed:
            return InProcessBuild(events, failed[0])
        if result.success:
            return InProcessBuild(events, None)
        if result.exception is not None:
            errors.append(f"{type(result.exception).__name__}: {result.exception}")
        detail = "\n\n".join(["", "Errors parsed from dbt logs:", *errors]) if errors else ""
        debug_log = target_path / "dbt.log"
        where = (
            f"or view the dbt debug log: {debug_log}" if debug_log.is_file()
            else "or run again with ANALYTICS_DBT_DEBUG_LOG=1 for dbt's debug log"
        )
        return InProcessBuild(events, DagsterDbtCliRuntimeError(description=(
            f"The dbt command\n\n`dbt {' '.join(argv)}`\n\nfailed (run in this process). Check "
            f"the stdout in the Dagster compute logs for the full information about the error, {where}.{detail}"
        )))


# Logger of Dagster's private execution-plan module (1.13.x), which warns once per blocking
# asset check that got no result. A window dbt has already built is not rebuilt, so its tests
# give no new result and every check would warn on stderr; the run is right to go on.
UNEXECUTED_CHECK_LOGGER = "dagster._core.execution.plan.active"


def quiet_unexecuted_check_warnings() -> None:
    """2. Raise that one private logger to ERROR (nothing else of Dagster's logging changes)."""
    import logging

    logging.getLogger(UNEXECUTED_CHECK_LOGGER).setLevel(logging.ERROR)


# the connection detail of dbt-duckdb's profile that no parse depends on (4)
UNPARSED_CONNECTION_KEYS = frozenset({"path"})


def _profile_hash_without_the_warehouse_path(credentials):
    """dbt's profile hash (ManifestLoader.build_manifest_state_check: the sorted
    connection_info, pretty-printed) without the keys in UNPARSED_CONNECTION_KEYS."""
    from dbt.contracts.files import FileHash

    keys = sorted(item for item in credentials.connection_info() if item[0] not in UNPARSED_CONNECTION_KEYS)
    return FileHash.from_contents(pprint.pformat(keys))


def keep_partial_parse_across_warehouse_paths() -> None:
    """4. dbt's state check for a DuckDB profile, without the warehouse path (once per process)."""
    from dbt.parser.manifest import ManifestLoader

    original = ManifestLoader.build_manifest_state_check
    if hasattr(original, "__wrapped__"):
        return

    def build_manifest_state_check(loader):
        check = original(loader)
        credentials = loader.root_project.credentials
        if credentials.type != "duckdb":
            return check
        return dataclasses.replace(check, profile_hash=_profile_hash_without_the_warehouse_path(credentials))

    build_manifest_state_check.__wrapped__ = original
    ManifestLoader.build_manifest_state_check = build_manifest_state_check


# 5: the compiled templates' files, under dbt's target folder; a new format number makes every
# earlier file unread
JINJA_CACHE_FOLDER = "jinja"
# emptied (and filled again by the next runs) when it holds more files than this
JINJA_CACHE_MAX_FILES = 5000
JINJA_CACHE_FORMAT = 1
# the environment settings that change how a source is lexed, parsed or compiled (Jinja's
# own lexer cache key, and the code generator's options)
_JINJA_COMPILE_SETTINGS = (
    "block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
    "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
    "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized",
    "is_async",
)


def _installed_versions(distributions: tuple[str, ...]) -> tuple[str | None, ...]:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in distributions:
        try:
            found.append(version(name))
        except PackageNotFoundError:
            found.append(None)
    return tuple(found)


def _jinja_salt() -> str:
    """What a compiled template's code depends on besides its source and its environment."""
    return repr((JINJA_CACHE_FORMAT, sys.implementation.cache_tag, _installed_versions(("jinja2", "dbt-common"))))


def _jinja_cache_key(env, source: str, name, filename, defer_init: bool, salt: str) -> str:
    environment = (
        type(env).__module__, type(env).__qualname__, env.code_generator_class.__qualname__,
        sorted(env.extensions), repr(env.autoescape), env.finalize is not None,
        *(getattr(env, setting) for setting in _JINJA_COMPILE_SETTINGS),
    )
    text = repr((salt, environment, name, filename, defer_init))
    return hashlib.sha256(text.encode() + b"\0" + source.encode("utf-8", "surrogatepass")).hexdigest()


def compile_keeping_code(original: Callable, folder: Path) -> Callable:
    """5. A Jinja environment's `compile` (`original`) that keeps each compiled template's code
    in `folder` and reads it back there; as Jinja's own when asked for the generated source
    (`raw`), given a parsed template, or with dbt's macro debugging on (DBT_MACRO_DEBUGGING)."""
    from dbt_common.clients import jinja as dbt_jinja

    salt = _jinja_salt()

    def cached_compile(env, source, name=None, filename=None, raw=False, defer_init=False):
        if raw or not isinstance(source, str) or dbt_jinja.MACRO_DEBUGGING:
            return original(env, source, name, filename, raw, defer_init)
        path = folder / f"{_jinja_cache_key(env, source, name, filename, defer_init, salt)}.code"
        with contextlib.suppress(OSError, EOFError, ValueError, TypeError):
            code = marshal.loads(path.read_bytes())
            if isinstance(code, types.CodeType):
                return code
        code = original(env, source, name, filename, raw, defer_init)
        with contextlib.suppress(OSError, ValueError):
            _write_whole(path, marshal.dumps(code))
        return code

    cached_compile.__wrapped__ = original
    return cached_compile


def keep_compiled_jinja_templates(folder: Path) -> None:
    """5. dbt's Jinja templates compiled once and read back from `folder` in later processes
    (installed once per process)."""
    from dbt_common.clients.jinja import MacroFuzzEnvironment

    if hasattr(MacroFuzzEnvironment.compile, "__wrapped__"):
        return
    # a file per template source ever compiled: an edited model or macro leaves its old one
    with contextlib.suppress(OSError):
        if sum(1 for _ in os.scandir(folder)) > JINJA_CACHE_MAX_FILES:
            shutil.rmtree(folder, ignore_errors=True)
    MacroFuzzEnvironment.compile = compile_keeping_code(MacroFuzzEnvironment.compile, folder)


def _write_whole(path: Path, data: bytes) -> None:
    """`data` in `path`, written under a temporary name and renamed: a reader sees it whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    staging.write_bytes(data)
    os.replace(staging, path)


# 6: dbt's JSON schemas of its classes, under dbt's target folder, for the versions of what
# builds them; a new format number makes every earlier file unread
SCHEMA_CACHE_FOLDER = "schemas"
SCHEMA_CACHE_FORMAT = 1
SCHEMA_DISTRIBUTIONS = ("dbt-core", "dbt-common", "dbt-adapters", "dbt-duckdb", "dbt-spark", "mashumaro")


def json_schema_keeping_files(original: Callable, folder: Path) -> Callable:
    """6. dbt-common's `dbtClassMixin.json_schema` (`original`, a function of the class) that
    keeps each dbt class's schema as a JSON file in `folder` and reads it back there; other
    classes (not of a dbt module, or defined in a function) are built each time, as dbt does."""
    salt = repr((SCHEMA_CACHE_FORMAT, sys.version_info[:2], _installed_versions(SCHEMA_DISTRIBUTIONS)))

    @functools.lru_cache
    def json_schema(cls):
        if "<locals>" in cls.__qualname__ or not cls.__module__.startswith(("dbt.", "dbt_common.")):
            return original(cls)
        key = hashlib.sha256(repr((salt, cls.__module__, cls.__qualname__)).encode()).hexdigest()
        path = folder / f"{key}.json"
        with contextlib.suppress(OSError, ValueError):
            schema = json.loads(path.read_bytes())
            if isinstance(schema, dict):
                return schema
        schema = original(cls)
        with contextlib.suppress(OSError, TypeError, ValueError):
            _write_whole(path, json.dumps(schema).encode())
        return schema

    json_schema.kept_in = folder
    json_schema.original = original
    return json_schema


def keep_dbt_json_schemas(folder: Path) -> None:
    """6. The JSON schemas dbt validates its project, profile and flags against, built once and
    read back from `folder` in later processes (installed once per process)."""
    from dbt_common.dataclass_schema import dbtClassMixin

    original = dbtClassMixin.json_schema.__func__
    if hasattr(original, "kept_in"):
        return
    dbtClassMixin.json_schema = classmethod(json_schema_keeping_files(original, folder))


def apply_dbt_patches() -> None:
    """4 to 6, for every dbt command this project runs in a process of its own: the in-process
    build, `dbt parse` (orchestration/dbt_parse.py) and the bench's dbt start-up (once each per
    process)."""
    keep_partial_parse_across_warehouse_paths()
    keep_compiled_jinja_templates(dbt_target_dir() / JINJA_CACHE_FOLDER)
    keep_dbt_json_schemas(dbt_target_dir() / SCHEMA_CACHE_FOLDER)
