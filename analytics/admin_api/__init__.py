"""The Claude Code Analytics Admin API source: daily usage reports fetched, kept as pages, loaded into raw.

- `client.py`: the HTTP client (pagination, retries, clear auth errors, the key never shown).
- `pages.py`: the kept pages under `{landing}/admin_api/claude_code/YYYY-MM-DD/`, and fetching
  the days that are not kept yet.
- `loader.py`: kept pages of given days into `raw.admin_api_*`, each day replaced atomically.

The partitioned Dagster asset and the `admin_api` resource are in orchestration/defs/admin_api/.
"""
