"""The simulated organization: members, their machines, identities and the roster."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from . import catalog
from .ids import Weighted, hex64, rng_for, uuid4
from .wire import PROFILES

BLOCK_SIZE = 40  # members per collector block (one set of landing files per block and day)
ROUTES = ("otelcol", "gateway", "receiver")

_USAGE = Weighted((("daily", 30), ("regular", 24), ("weekly", 20), ("occasional", 13),
                   ("once", 13)))
_PROFILE_CYCLE = ("v2_1_new", "v2_1_old", "v2_1_new", "v2_0", "v2_1_new", "v2_1_new",
                  "v2_1_new", "v1_0", "v2_1_old", "v2_1_new")
_PROFILE = Weighted((("v2_1_new", 55), ("v2_1_old", 18), ("v2_0", 15), ("v1_0", 12)))
_ROLES = Weighted(catalog.ROLES_TAIL)
_TERMINALS = Weighted(catalog.TERMINALS)
_PLATFORMS = Weighted([(p[:3], p[3]) for p in catalog.PLATFORMS])
_TZ = Weighted(catalog.TZ_OFFSETS)
# member index % 20 -> telemetry path of its machines (every block has all three paths)
_ROUTE_CYCLE = ("otelcol", "otelcol", "gateway", "otelcol", "receiver", "gateway", "otelcol",
                "gateway", "otelcol", "otelcol", "otelcol", "otelcol", "gateway", "otelcol",
                "otelcol", "gateway", "otelcol", "gateway", "otelcol", "otelcol")


@dataclass(slots=True)
class Machine:
    user_id: str
    profile: str
    version: str
    upgrade_day: int  # day index from which the machine runs ``upgrade_to`` (or -1)
    upgrade_to: tuple[str, str]
    os_type: str
    os_version: str
    host_arch: str
    terminal: str
    oauth: bool  # logged in with OAuth on this machine (``user.email`` on every record)
    temporality: int  # 1 = DELTA, 2 = CUMULATIVE
    route: str
    logs: bool  # OTEL_LOGS_EXPORTER=otlp set
    custom_base_url: bool
    identity: tuple[str, str] = ("", "")

    def client(self, day: int) -> tuple[str, str]:
        if 0 <= self.upgrade_day <= day:
            return self.upgrade_to
        return self.profile, self.version


@dataclass(slots=True)
class Member:
    index: int
    bot: bool
    auth: str  # "oauth" | "api_key"
    email: str  # as the client sends it (may have capitals); "" for API-key members
    api_key_name: str
    team: str
    role: str
    res_attrs: tuple[tuple[str, str], ...]
    usage: str
    active_from: int
    once_day: int
    tz_hours: float
    intensity: float
    accept_p: float
    accept_edits_p: float
    languages: tuple[str, ...]
    models: dict
    in_roster: bool
    org_id: str
    account_uuid: str
    account_id: str
    machines: list[Machine] = field(default_factory=list)

    @property
    def block(self) -> int:
        return self.index // BLOCK_SIZE


def _identity(member: Member, machine: Machine) -> tuple[str, str]:
    """The member as the warehouse resolves it (docs/metrics.md, identity rules 1-3)."""
    if machine.oauth:
        return ("oauth_user", member.email.lower())
    if member.in_roster:
        if member.auth == "oauth":
            return ("oauth_user", member.email.lower())
        return ("api_key", member.api_key_name)
    return ("unidentified", machine.user_id)


def _machine(rng, member: Member, primary: bool, oauth: bool, days: int) -> Machine:
    if member.bot:
        profile = "v2_1_new"
    elif primary and rng.random() < 0.8:  # every block gets every client family
        profile = _PROFILE_CYCLE[member.index % len(_PROFILE_CYCLE)]
    else:
        profile = _PROFILE.pick(rng)
    version = rng.choice(PROFILES[profile].versions)
    upgrade_day, upgrade_to = -1, ("", "")
    if profile != "v2_1_new" and rng.random() < 0.15 and days > 1:
        upgrade_day = rng.randrange(1, days)
        upgrade_to = ("v2_1_new", "2.1.331")
    os_type, os_version, arch = _PLATFORMS.pick(rng)
    route = _ROUTE_CYCLE[member.index % len(_ROUTE_CYCLE)]
    if rng.random() < 0.06:
        route = rng.choice(ROUTES)
    return Machine(
        user_id=hex64(rng), profile=profile, version=version, upgrade_day=upgrade_day,
        upgrade_to=upgrade_to, os_type="linux" if member.bot else os_type,
        os_version="6.8.0-1017-aws" if member.bot else os_version,
        host_arch="amd64" if member.bot else arch,
        terminal="non-interactive" if member.bot else _TERMINALS.pick(rng), oauth=oauth,
        temporality=2 if rng.random() < 0.07 else 1, route="gateway" if member.bot else route,
        logs=member.bot or rng.random() < 0.25 or (primary and member.index % 10 in (1, 3, 7)), custom_base_url=rng.random() < 0.15,
    )


def build_members(count: int, seed: int, days: int) -> list[Member]:
    """Deterministic members; each drawn from its own seeded stream."""
    org_rng = rng_for(seed, "org")
    org_id = uuid4(org_rng)
    used_names: set[str] = set()
    members: list[Member] = []
    for i in range(count):
        rng = rng_for(seed, "member", i)
        bot = i % 40 == 5
        while True:
            first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
            if f"{first}.{last}" not in used_names or len(used_names) > 1500:
                break
        name = f"{first}.{last}"
        if name in used_names:
            name = f"{name}{i}"
        used_names.add(name)
        auth = "oauth" if i == 0 else ("api_key" if bot or rng.random() < 0.3 else "oauth")
        email = ""
        if auth == "oauth":
            email = f"{name}@{catalog.ORG_DOMAIN}"
            if rng.random() >= 0.15:  # most clients report it lower-cased
                email = email.lower()
        if bot:
            key_name = catalog.BOT_KEYS[(i // 40) % len(catalog.BOT_KEYS)]
        else:
            key_name = first.lower() + rng.choice(catalog.API_KEY_SUFFIXES)
            if rng.random() < 0.3:
                key_name = f"{first} {last} key"
        team_idx = rng.randrange(len(catalog.TEAMS))
        team, dept = catalog.TEAMS[team_idx]
        res_attrs: tuple[tuple[str, str], ...] = ()
        if rng.random() < 0.7:
            res_attrs = (("department", dept), ("team.id", team))
            if rng.random() < 0.3:
                res_attrs += (("cost_center", f"cc-{1000 + team_idx * 37}"),)
        if i == 0:
            role = "primary_owner"
        elif auth == "api_key":
            role = rng.choice(("developer", "claude_code_user"))
        else:
            role = _ROLES.pick(rng)
        usage = "daily" if bot else _USAGE.pick(rng)
        active_from = 0
        if usage != "once" and days > 7 and rng.random() < 0.2:
            active_from = rng.randrange(days // 2)
        models = catalog.MAIN_MODELS
        member = Member(
            index=i, bot=bot, auth=auth, email=email,
            api_key_name=key_name if auth == "api_key" else "", team=team, role=role,
            res_attrs=res_attrs, usage=usage, active_from=active_from,
            once_day=rng.randrange(days), tz_hours=0.0 if bot else _TZ.pick(rng),
            intensity=min(2.5, rng.lognormvariate(0.0, 0.45)),
            accept_p=0.97 if bot else min(0.97, max(0.7, rng.betavariate(12, 2))),
            accept_edits_p=rng.choice((0.1, 0.3, 0.6, 0.9)) if not bot else 1.0,
            languages=rng.choice(catalog.LANGUAGE_STACKS),
            models={k: Weighted(v) for k, v in models.items()}, in_roster=True,
            org_id=org_id, account_uuid=uuid4(rng) if auth == "oauth" else "",
            account_id="user_01" + hex64(rng)[:22] if auth == "oauth" else "",
        )
        n_machines = 2 if (not bot and rng.random() < 0.2) else 1
        for m in range(n_machines):
            oauth = auth == "oauth" and (m == 0 or rng.random() < 0.6)
            member.machines.append(_machine(rng, member, m == 0, oauth, days))
        members.append(member)
    # leave some API-key members out of the roster (they stay anonymous user.ids)
    keyed = [m for m in members if m.auth == "api_key" and not m.bot]
    for m in keyed:
        if rng_for(seed, "roster", m.index).random() < 0.25:
            m.in_roster = False
    if len(keyed) >= 2 and all(m.in_roster for m in keyed):
        keyed[-1].in_roster = False
    for m in members:
        if not m.in_roster:
            del m.machines[1:]
        for mc in m.machines:
            mc.identity = _identity(m, mc)
    return members


def write_roster(members: list[Member], path: Path, key_names: dict[int, str] | None = None,
                 extra_rows: list[list[str]] = ()) -> int:
    """members.csv: header ``email,api_key_name,user_ids,team,role``; returns bytes written.

    ``key_names`` gives OAuth members (by index) the API key name they use where they did not
    log in (a line with both an email and a key name maps that key to them); ``extra_rows``
    are appended as they are.
    """
    key_names = key_names or {}
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["email", "api_key_name", "user_ids", "team", "role"])
        for m in members:
            if not m.in_roster:
                continue
            w.writerow([m.email.lower(), m.api_key_name or key_names.get(m.index, ""),
                        ";".join(mc.user_id for mc in m.machines), m.team, m.role])
        for row in extra_rows:
            w.writerow(row)
    return path.stat().st_size
