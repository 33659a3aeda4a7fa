"""The dbt project, with its manifest prepared (`dbt parse`) when definitions load in development."""

import os

from dagster_dbt import DbtProject

from analytics import settings

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
settings.export_engine_environment()

dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR,
    profiles_dir=settings.DBT_PROJECT_DIR,
)
dbt_project.prepare_if_dev()
