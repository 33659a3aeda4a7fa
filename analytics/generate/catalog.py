"""Static catalogs: models and list prices, tools, languages, names, teams, roles.

Prices are USD per token at list price (sources.md §5); cache creation is billed at the
5-minute cache-write price, the only one Claude Code reports in ``token.usage``.
"""

from __future__ import annotations

# family -> (input, cache_write_5m, cache_read, output) in USD per token
PRICES: dict[str, tuple[float, float, float, float]] = {
    "opus": (5e-06, 6.25e-06, 5e-07, 2.5e-05),
    "sonnet": (3e-06, 3.75e-06, 3e-07, 1.5e-05),
    "haiku": (1e-06, 1.25e-06, 1e-07, 5e-06),
}

# model id as emitted -> (price family, context window used before auto-compaction)
MODELS: dict[str, tuple[str, int]] = {
    "claude-sonnet-4-5": ("sonnet", 160_000),
    "claude-sonnet-4-5-20250929": ("sonnet", 160_000),
    "claude-opus-4-6": ("opus", 160_000),
    "claude-opus-4-6[1m]": ("opus", 380_000),
    "claude-opus-5": ("opus", 160_000),
    "claude-haiku-4-5": ("haiku", 160_000),
}

# main-model preferences a member can have, by client family (weights)
MAIN_MODELS = {
    "v2_1_new": (
        ("claude-sonnet-4-5", 4),
        ("claude-opus-4-6[1m]", 2),
        ("claude-opus-5", 3),
        ("claude-opus-4-6", 1),
    ),
    "v2_1_old": (("claude-sonnet-4-5", 5), ("claude-opus-4-6", 2), ("claude-opus-4-6[1m]", 1)),
    "v2_0": (("claude-sonnet-4-5-20250929", 5), ("claude-opus-4-6", 1)),
    "v1_0": (("claude-sonnet-4-5-20250929", 1),),
}
SMALL_MODEL = "claude-haiku-4-5"

EDIT_TOOLS = ("Edit", "Write", "NotebookEdit", "MultiEdit")
# tool choice weights per client family: (tool, weight)
TOOLS = {
    "v2_1_new": (
        ("Read", 30), ("Edit", 22), ("Bash", 18), ("Grep", 9), ("Write", 6),
        ("Glob", 5), ("NotebookEdit", 1), ("WebFetch", 1), ("mcp_tool", 2),
    ),
    "v2_1_old": (
        ("Read", 30), ("Edit", 20), ("Bash", 18), ("Grep", 9), ("Write", 6),
        ("MultiEdit", 3), ("Glob", 5), ("NotebookEdit", 1),
    ),
    "v2_0": (
        ("Read", 30), ("Edit", 18), ("MultiEdit", 5), ("Bash", 18), ("Grep", 10),
        ("Write", 6), ("Glob", 5), ("NotebookEdit", 1),
    ),
    "v1_0": (
        ("Read", 30), ("Edit", 18), ("MultiEdit", 5), ("Bash", 18), ("Grep", 10),
        ("Write", 6), ("Glob", 5),
    ),
}

# (language, file-size scale) by a member's main stack
LANGUAGE_STACKS = (
    ("TypeScript", "JSON", "Markdown"),
    ("Python", "YAML", "Markdown"),
    ("Go", "YAML", "Markdown"),
    ("Rust", "TOML", "Markdown"),
    ("Java", "XML", "Markdown"),
    ("Python", "Jupyter Notebook", "SQL"),
    ("TypeScript", "CSS", "HTML"),
    ("Shell", "Dockerfile", "Plain text"),
)

ACCEPT_SOURCES = (("config", 60), ("user_temporary", 22), ("user_permanent", 10), ("hook", 8))
REJECT_SOURCES = (("user_reject", 70), ("user_abort", 26), ("config", 2), ("hook", 2))

API_ERRORS = (
    ("Overloaded", 529),
    ("Internal server error", 500),
    ("Request timed out", None),
    ("Rate limited", 429),
)

FIRST_NAMES = (
    "Alice", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Gustavo", "Hana", "Ivan", "Jamal",
    "Keiko", "Lars", "Maya", "Nikhil", "Olga", "Pedro", "Quinn", "Rania", "Sven", "Tamara",
    "Umar", "Valeria", "Wei", "Ximena", "Yusuf", "Zoe", "Aarav", "Beatriz", "Ciaran", "Dmitri",
    "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Mei", "Noor",
    "Oskar", "Priya", "Rafael", "Sofia", "Tomas", "Ulla", "Vikram", "Wanjiru", "Yara", "Zain",
)
LAST_NAMES = (
    "Nakamura", "Okafor", "Silva", "Kowalski", "Haddad", "Lindqvist", "Moreau", "Patel",
    "Garcia", "Novak", "Schmidt", "Tanaka", "Mensah", "Rossi", "Ivanova", "Kim", "Oliveira",
    "Fischer", "Dubois", "Jensen", "Costa", "Yilmaz", "Andersen", "Banerjee", "Murphy",
    "Horvath", "Lopez", "Nguyen", "Adeyemi", "Berg", "Castillo", "Petrov", "Sato", "Weber",
    "Zhang", "Kaur", "Ferreira", "OConnor", "Hansen", "Mwangi",
)
ORG_DOMAIN = "example.com"

# team -> (team.id, department)
TEAMS = (
    ("platform", "engineering"),
    ("payments", "engineering"),
    ("mobile", "engineering"),
    ("data", "data-science"),
    ("ml-research", "research"),
    ("infra", "engineering"),
    ("security", "security"),
    ("growth", "product"),
)

ROLES_TAIL = (
    ("developer", 55), ("claude_code_user", 18), ("user", 10), ("admin", 6),
    ("membership_admin", 3), ("billing", 3), ("owner", 5),
)

API_KEY_SUFFIXES = ("-laptop", "-workstation", " dev key", "-devbox")
BOT_KEYS = ("ci-bot key", "release-automation", "docs-agent key", "nightly-refactor bot")

TERMINALS = (
    ("iTerm.app", 22), ("vscode", 25), ("cursor", 12), ("tmux", 12), ("xterm-256color", 8),
    ("Apple_Terminal", 6), ("WezTerm", 4), ("ghostty", 5), ("windows-terminal", 4),
    ("pycharm", 2),
)

# (os.type, os.version, host.arch, weight)
PLATFORMS = (
    ("darwin", "24.6.0", "arm64", 30),
    ("darwin", "25.1.0", "arm64", 20),
    ("linux", "6.8.0-87-generic", "amd64", 18),
    ("linux", "6.14.0-33-generic", "amd64", 8),
    ("linux", "6.6.87.2-microsoft-standard-WSL2", "amd64", 6),
    ("windows", "10.0.26100", "amd64", 5),
    ("darwin", "23.6.0", "amd64", 3),
)

# tz offsets (hours) and weights: mostly Europe and the Americas, some Asia
TZ_OFFSETS = ((-8.0, 14), (-7.0, 5), (-5.0, 14), (-4.0, 4), (-3.0, 3), (0.0, 10), (1.0, 18),
              (2.0, 10), (5.5, 8), (8.0, 6), (9.0, 5))

PLUGINS = (
    ("cc-plugin-agents-md", "da63145d0acbb62d"),
    ("cc-plugin-privacy", "a2f27f067781660d"),
    ("cc-plugin-plugin-authoring", "559932fe5f722b82"),
)

# events Claude Code emits that the marts do not define, plus a made-up future one
HOUSEKEEPING_EVENTS = (
    "permission_mode_changed", "hook_execution_complete", "compaction", "skill_activated",
    "experiment_exposure",
)
