"""Publishing the marts to PostgreSQL, where BI tools read them beside the scheduled runs.

DuckDB allows one writing process and no reader beside it, so BI tools cannot hold the
warehouse open while runs go on. With ANALYTICS_SERVING_URL set, every run copies the marts it
rebuilt into schema `marts` of a PostgreSQL database, in one transaction, with row-level
changes only, so BI sessions never wait for a publish and a publish never waits for them.

- `marts.py`: which marts there are, their PostgreSQL columns and what a run changes in each;
- `pending.py`: the windows not yet published (DuckDB `meta.serving_pending`), and the
  export of their rows from DuckDB to CSV;
- `postgres.py`: the PostgreSQL side (connection, catalog, role, the publish transaction);
- `publish.py`: the whole publish, as the Dagster asset calls it.
"""

from analytics.serving.postgres import ServingError, scrub_url
from analytics.serving.publish import publish_marts

__all__ = ["ServingError", "publish_marts", "scrub_url"]
