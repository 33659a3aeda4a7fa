"""The dbt project as Dagster sees it: where it is, which dbt runs it, and its manifest.

dbt's profile reads the warehouse paths from the environment, so they are exported, as absolute
paths, when this module is imported by the code location (settings.export_engine_environment).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from analytics import settings

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


def ensure_dbt_manifest() -> None:
    """Run `dbt parse` when the manifest is missing or older than the dbt project's files."""
    manifest = settings.DBT_PROJECT_DIR / "target" / "manifest.json"
    if not _dbt_sources_newer_than(manifest):
        return
    completed = subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--profiles-dir", "."],
        cwd=settings.DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        detail = (completed.stdout + completed.stderr).strip().splitlines()
        raise RuntimeError("dbt parse failed: " + (detail[-1] if detail else "no output"))


