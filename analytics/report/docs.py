"""The README section "Marts: grain and columns", generated from dbt's model docs.

The marts' grain (each model's description) and columns (name, contract type, description) are
written once, in dbt_project/models/marts/_marts__models.yml; this prints them as Markdown:

    python -m analytics.report.docs            # the section, to paste into the README
    python -m analytics.report.docs --level 3  # with ### headings instead of ##
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from analytics import settings
from analytics.report.warehouse import MARTS_YML

TITLE = "Marts: grain and columns"


def _cell(text: object) -> str:
    """One Markdown table cell: a single line, pipes escaped."""
    return " ".join(str(text or "").split()).replace("|", "\\|")


def marts_markdown(yml_path: Path | str = MARTS_YML, level: int = 2) -> str:
    """Markdown for every model in the YAML file, in its order: description, then a column table."""
    yml_path = Path(yml_path)
    models = (yaml.safe_load(yml_path.read_text()) or {}).get("models", [])
    try:
        shown_path = yml_path.resolve().relative_to(settings.PROJECT_ROOT)
    except ValueError:
        shown_path = yml_path
    heading = "#" * level
    out = [
        f"{heading} {TITLE}",
        "",
        (
            f"Generated from `{shown_path}` by `python -m analytics.report.docs`; edit the YAML, "
            "not this section. Every mart is in the DuckDB schema `marts`."
        ),
    ]
    for model in models:
        out += ["", f"{heading}# `{model['name']}`", "", " ".join(str(model.get("description", "")).split())]
        columns = model.get("columns") or []
        if columns:
            out += ["", "| column | type | description |", "|---|---|---|"]
            out += [
                f"| `{_cell(c['name'])}` | {_cell(c.get('data_type', ''))} | {_cell(c.get('description', ''))} |"
                for c in columns
            ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analytics.report.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--yml", default=str(MARTS_YML), help="the dbt models YAML (default: the marts')")
    parser.add_argument("--level", type=int, default=2, choices=range(1, 5), help="heading level")
    args = parser.parse_args(argv)
    sys.stdout.write(marts_markdown(args.yml, level=args.level))
    return 0


if __name__ == "__main__":
    sys.exit(main())
