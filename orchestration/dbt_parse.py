"""`python -m orchestration.dbt_parse parse ...`: dbt's own command line (as the `dbt`
executable), with patches 4 to 6 of orchestration/patches.py applied, so that the parse it leaves
(target/partial_parse.msgpack, written by ensure_dbt_manifest) is one the in-process builds
accept: they check the profile without the warehouse path. Parsed by the plain `dbt`, the
first build of a fresh checkout (the Quickstart's first run), or after any change to the dbt
project, parsed the whole project a second time."""

from __future__ import annotations


def main() -> None:
    from dbt.cli.main import cli

    from orchestration.patches import apply_dbt_patches

    apply_dbt_patches()
    cli()  # exits with dbt's own status


if __name__ == "__main__":
    main()
