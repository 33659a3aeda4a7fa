"""A pipeline run over a generated organization reproduces the generator's own bookkeeping.

The generator writes what real pipelines deliver (collector encodings, gzip, merged requests,
retried batches, copied files, late files, malformed lines, cumulative members, several client
versions) and, from its own bookkeeping, the numbers it put in. The marts must match them
exactly (spend to 1e-6 USD).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from analytics.generate import generate_organization
from tests.conftest import PROJECT_ROOT, query, run_cli

SAMPLE = PROJECT_ROOT / "seeds" / "sample-org"
ORG_COLUMNS = ("daily_active_users", "sessions", "lines_added", "lines_removed", "edit_accepts",
               "edit_rejects", "spend_usd", "spending_users", "input_tokens", "output_tokens",
               "cache_read_tokens", "cache_creation_tokens")
MEMBER_COLUMNS = ("spend_usd", "lines_added", "lines_removed", "sessions", "active_days",
                  "edit_accepts", "edit_rejects")


def expected_rows(path: Path, keys: tuple[str, ...], columns: tuple[str, ...]) -> dict:
    with path.open() as handle:
        return {tuple(row[k] for k in keys): tuple(float(row[c]) for c in columns) for row in csv.DictReader(handle)}


def assert_marts_match_expected(env, landing: Path) -> None:
    expected_daily = expected_rows(landing / "expected" / "org_daily.csv", ("usage_date",), ORG_COLUMNS)
    actual_daily = {
        (str(row[0]),): tuple(float(v) for v in row[1:])
        for row in query(env, f"select usage_date, {', '.join(ORG_COLUMNS)} from marts.fct_org_daily")
    }
    assert actual_daily.keys() == expected_daily.keys()
    for day, values in expected_daily.items():
        assert actual_daily[day] == pytest.approx(values, abs=1e-6), day

    expected_members = expected_rows(
        landing / "expected" / "member_monthly.csv",
        ("usage_month", "member_type", "member_identifier"), MEMBER_COLUMNS,
    )
    actual_members = {
        (str(row[0]), row[1], row[2]): tuple(float(v) for v in row[3:])
        for row in query(
            env,
            f"""
            select m.usage_month, d.member_type,
                case d.member_type when 'oauth_user' then d.email when 'api_key' then d.api_key_name
                    else d.user_id end,
                {', '.join('m.' + c for c in MEMBER_COLUMNS)}
            from marts.fct_member_monthly m join marts.dim_members d using (member_key)
            """,
        )
    }
    assert actual_members.keys() == expected_members.keys()
    for key, values in expected_members.items():
        assert actual_members[key] == pytest.approx(values, abs=1e-6), key


def test_the_bundled_sample_organization(sample_run):
    env, result = sample_run
    assert "60 day(s) processed, 2026-09-25 .. 2026-11-23" in result.stdout
    assert_marts_match_expected(env, SAMPLE)
    # a plausible Analytics page: a work-week rhythm, accept rates 0.6-0.95, dollars per member-day
    by_weekday = dict(query(env, "select isodow(usage_date) >= 6, avg(daily_active_users) "
                                 "from marts.fct_org_daily group by all"))
    assert by_weekday[False] > 3 * by_weekday[True]
    assert query(env, "select max(monthly_active_users) >= 15 from marts.fct_org_monthly") == [(True,)]
    rates = [r for (r,) in query(env, "select accept_rate from marts.fct_org_monthly")]
    assert all(0.6 <= r <= 0.95 for r in rates), rates
    per_member_day = query(env, "select sum(spend_usd) / count(*) from marts.fct_daily_activity where is_active")[0][0]
    assert 0.5 < per_member_day < 10
    # API-key users named by the roster, unmapped installs shown by their user.id prefix
    types = dict(query(env, "select member_type, count(*) from marts.dim_members "
                            "where first_seen_date is not null group by all"))
    assert set(types) == {"oauth_user", "api_key", "unidentified"}
    # 31 malformed lines; the 4 blank ones are counted in the manifest, not quarantined
    assert query(env, "select count(*) from raw.quarantine")[0][0] == 27
    assert query(env, "select sum(blank_lines) from raw.landed_files")[0][0] == 4


def test_a_freshly_generated_organization_over_a_month_boundary(tmp_path, env):
    landing = tmp_path / "landing"
    generate_organization(landing, members=12, days=20, start=date(2026, 7, 22), seed=11)
    run_cli(env, "run")
    assert_marts_match_expected(env, landing)
    assert [m for (m,) in query(env, "select usage_month from marts.fct_org_monthly order by 1")] == [
        date(2026, 7, 1), date(2026, 8, 1)
    ]
