"""Who may see the page: the roles of Anthropic's Analytics page, from marts.dim_members."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analytics.report.formatting import printable
from analytics.report.warehouse import ReportError


@dataclass(frozen=True)
class Viewer:
    email: str
    display_name: str
    role: str | None


def check_viewer(con: duckdb.DuckDBPyConnection, email: str) -> Viewer:
    """The viewer if `email` (case-insensitive) is a member whose role may view analytics.

    Raises ReportError otherwise. The roster's role decides (dim_members.can_view_analytics:
    Primary Owner, Owner, Billing, Admin, Developer); a member without a known role may not.
    An empty or blank email is refused (it would match members without an email). The role
    in the message is data from the roster: it is made printable.
    """
    shown = printable((email or "").strip())
    wanted = (email or "").strip().lower()
    if not wanted:
        raise ReportError("--viewer is empty: give the email of a member who may view analytics")
    rows = con.execute(
        "select display_name, role, can_view_analytics from marts.dim_members "
        # by member_key too: with pseudonyms on, dim_members holds no email
        "where lower(email) = ? or member_key = md5('oauth_user:' || ?) "
        "order by can_view_analytics desc, member_key",
        [wanted, wanted],
    ).fetchall()
    if not rows:
        raise ReportError(
            f"viewer {shown} may not view analytics (no member with that email in marts.dim_members)"
        )
    display_name, role, allowed = rows[0]
    if not allowed:
        raise ReportError(
            f"viewer {shown} may not view analytics (role: {printable(role) or 'unknown'})"
        )
    return Viewer(email=wanted, display_name=display_name, role=role)
