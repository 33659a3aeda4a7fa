"""The `analytics` command: parses arguments and calls orchestration (runs) or the library."""
