"""Pseudonyms for members: `member <8 hex>` = HMAC-SHA256(ANALYTICS_PSEUDONYM_KEY, identity).

With ANALYTICS_PSEUDONYMIZE=1 every identity the raw tables hold (lower-cased emails, API key
names, anonymous user.ids; from telemetry, the Admin API report, the roster and budgets.csv)
is mapped to its pseudonym in raw.member_pseudonyms, and the marts that show members show the
pseudonym instead. The HMAC is computed here, in Python: the key never reaches dbt (whose
compiled SQL, manifest and logs land in target/), a table, a log or the run's config. The
same key gives the same pseudonyms in every run; whoever holds the key can map an identity to
its pseudonym (and so back, by trying the identities they know).

Without pseudonyms the table is emptied, so the marts show identities again.
"""

from __future__ import annotations

import hashlib
import hmac

from analytics import settings
from analytics.errors import PseudonymKeyError
from analytics.ingest.raw_schema import create_raw_tables
from analytics.warehouse.bulk import insert_rows

# Every identity a member_identifier can be (macros/member_identity.sql), from each raw table.
IDENTITIES_SQL = """
select distinct identity from (
    select lower(user_email) as identity from raw.otlp_metric_points
    union all select api_key_name from raw.otlp_metric_points
    union all select user_id from raw.otlp_metric_points
    union all select lower(user_email) from raw.otlp_log_records
    union all select api_key_name from raw.otlp_log_records
    union all select user_id from raw.otlp_log_records
    union all select lower(email_address) from raw.admin_api_usage
    union all select api_key_name from raw.admin_api_usage
    union all select lower(email) from raw.roster
    union all select api_key_name from raw.roster
    union all select case when name like '%@%' then lower(name) else name end
        from raw.budgets where scope = 'member'
) as identities
where identity is not null and identity <> ''
"""


def pseudonym(key: bytes, identity: str) -> str:
    return "member " + hmac.new(key, identity.encode(), hashlib.sha256).hexdigest()[:8]


def required_key() -> bytes | None:
    """The key when pseudonyms are on (None when off); a one-line error when it is missing."""
    if not settings.pseudonymize():
        return None
    key = settings.pseudonym_key()
    if key is None:
        raise PseudonymKeyError(
            f"ANALYTICS_PSEUDONYMIZE=1 needs the secret {settings.PSEUDONYM_KEY_ENV_VAR} "
            "(any long random string; keep it out of the repository)"
        )
    return key


def refresh_pseudonyms(con) -> int:
    """Make raw.member_pseudonyms hold exactly the pseudonyms of the raw identities (none when
    pseudonyms are off). Unchanged rows are kept, so an unchanged warehouse stays unchanged."""
    key = required_key()
    create_raw_tables(con)
    wanted: dict[str, str] = {}
    if key is not None:
        identities = [row[0] for row in con.execute(IDENTITIES_SQL).fetchall()]
        wanted = {identity: pseudonym(key, identity) for identity in identities}
    current = dict(con.execute("select member_identifier, pseudonym from raw.member_pseudonyms").fetchall())
    if current == wanted:
        return len(wanted)
    con.execute("begin transaction")
    try:
        con.execute("delete from raw.member_pseudonyms")
        insert_rows(
            con,
            "raw.member_pseudonyms",
            [[identity, name] for identity, name in sorted(wanted.items())],
            "?, ?, current_timestamp::timestamp",
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(wanted)
