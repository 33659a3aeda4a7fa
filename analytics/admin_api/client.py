"""HTTP client of the Claude Code Analytics Admin API (standard library only).

`GET {base_url}/v1/organizations/usage_report/claude_code?starting_at=YYYY-MM-DD&limit=1000`
returns one UTC day; pages follow `next_page` while `has_more` (sources.md §3).

Retries: 429, 408 and 5xx answers and connection errors are retried with exponential backoff
(`backoff_base_s` doubled per attempt, capped at `backoff_cap_s`), or after the server's
`retry-after` seconds when it sends them (capped at `max_retry_after_s`), at most `max_attempts`
attempts per request. The sleep function is injectable so tests never sleep.

The key: it is sent only in the `x-api-key` header, over https (plain http only to a loopback
host, for tests and local proxies), never across a redirect (redirects are refused, as urllib
would forward the header to the new host), and it is removed from any text this module puts in
an exception, a log line or a page it returns. A gateway in front of the API may echo the key
back in any body: every text taken from an answer is redacted (`redact`) BEFORE it is cut, so a
cut never leaves part of the key behind, and a page keeps only the documented fields (`data`,
`has_more`, `next_page`) with the key scrubbed from every string in them (`scrub`).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from analytics.errors import (
    AdminApiAuthError,
    AdminApiError,
    AdminApiRequestError,
    AdminApiUnavailableError,
)

DEFAULT_BASE_URL = "https://api.anthropic.com"
USAGE_REPORT_PATH = "/v1/organizations/usage_report/claude_code"
ANTHROPIC_VERSION = "2023-06-01"
PAGE_LIMIT = 1000
# A day of more than PAGE_LIMIT * MAX_PAGES_PER_DAY report rows is not a real organization: a
# cursor that never ends is a server bug, not a reason to loop forever.
MAX_PAGES_PER_DAY = 10_000
USER_AGENT = "claude-code-analytics (admin-api ingestion)"
KEY_ENV_VAR = "ANTHROPIC_ADMIN_KEY"

RETRYABLE_STATUS = frozenset({408, 429}) | frozenset(range(500, 600))
EXCERPT_CHARS = 300
# How much of an error body is read for its message: redacted whole, then cut to EXCERPT_CHARS.
ERROR_BODY_CHARS = 1 << 20
REDACTED = "<ANTHROPIC_ADMIN_KEY>"
# A run of this many characters of the key counts as the key (a part echoed, or cut elsewhere).
KEY_FRAGMENT_CHARS = 16
_WORD = re.compile(r"[!-~]+")  # a run of printable ASCII: what a key, or part of one, looks like
# The documented fields of a usage report answer (sources.md §3); anything else is not kept.
PAGE_FIELDS = ("data", "has_more", "next_page")

logger = logging.getLogger(__name__)

# The default sleep; tests replace it (or pass `sleep=`) so no test really waits.
SLEEP: Callable[[float], None] = time.sleep






def redact(text: str, secrets) -> str:
    """`text` without any of `secrets`, nor any run of KEY_FRAGMENT_CHARS of their characters.

    Call it on the whole text, before cutting it: the fragment rule also removes a key that was
    cut by someone else (a gateway, a size limit) and catches it inside a longer word.
    """
    for secret in secrets:
        if not secret:
            continue
        text = text.replace(secret, REDACTED)
        size = min(KEY_FRAGMENT_CHARS, len(secret))
        windows = {secret[i:i + size] for i in range(len(secret) - size + 1)}

        def fragment(match: re.Match, size=size, windows=windows) -> str:
            word = match.group(0)
            for i in range(len(word) - size + 1):
                if word[i:i + size] in windows:
                    return REDACTED
            return word

        text = _WORD.sub(fragment, text)
    return text


def scrub(value, secrets):
    """A parsed JSON value with every string in it (object keys too) redacted."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    if isinstance(value, dict):
        return {redact(k, secrets): scrub(v, secrets) for k, v in value.items()}
    return value


def page_to_keep(parsed: dict, secrets) -> bytes:
    """The body a page is kept as: the documented fields only (a gateway echoing the request
    headers adds its own), every string scrubbed of the key."""
    kept = {name: scrub(parsed[name], secrets) for name in PAGE_FIELDS if name in parsed}
    # ASCII with \u escapes: a lone surrogate escape in a value cannot fail the encoding
    return (json.dumps(kept, separators=(",", ":")) + "\n").encode("ascii")


@dataclass(frozen=True)
class Page:
    """One answer of the usage report: the body as kept (`page_to_keep`) and its parsed form."""

    day: date
    number: int
    body: bytes
    items: int
    has_more: bool
    next_page: str | None


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would repeat the x-api-key header to wherever a redirect points: never follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _retry_after_seconds(value: str | None) -> float | None:
    """The `retry-after` header in seconds, when it is a number (an HTTP date is ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


class AdminApiClient:
    """Fetches the Claude Code usage report one UTC day at a time."""

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        *,
        timeout_s: float = 60.0,
        max_attempts: int = 6,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 30.0,
        max_retry_after_s: float = 300.0,
        sleep: Callable[[float], None] | None = None,
        log: logging.Logger | None = None,
    ) -> None:
        key = (api_key or "").strip()
        if not key:
            raise AdminApiAuthError(f"{KEY_ENV_VAR} is empty: set it to an Admin API key (sk-ant-admin...)")
        if any(ord(c) < 0x21 or ord(c) > 0x7E for c in key):
            # urllib would put the whole header value, key included, in its ValueError.
            raise AdminApiAuthError(
                f"{KEY_ENV_VAR} holds characters an HTTP header cannot carry (spaces, line "
                "breaks or non-ASCII): copy the key again"
            )
        self._key = key
        self.base_url = (base_url or DEFAULT_BASE_URL).strip().rstrip("/")
        parsed = urllib.parse.urlsplit(self.base_url)
        if parsed.scheme not in ("https", "http") or not parsed.hostname:
            raise AdminApiError(f"the Admin API base URL is not an http(s) URL: {self._redact(self.base_url)}")
        if parsed.scheme == "http" and not _is_loopback(parsed.hostname):
            raise AdminApiError(
                f"refusing to send the Admin API key over plain http to {parsed.hostname}: "
                "use an https base URL"
            )
        self.timeout_s = timeout_s
        self.max_attempts = max(1, max_attempts)
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.max_retry_after_s = max_retry_after_s
        self._sleep = sleep if sleep is not None else SLEEP
        self._log = log or logger
        self._opener = urllib.request.build_opener(_RefuseRedirects)
        self.requests = 0
        self.retries = 0

    def __repr__(self) -> str:
        return f"AdminApiClient(base_url={self.base_url!r}, key=<hidden>)"

    # -- helpers ---------------------------------------------------------------------------

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never appear in a text this client hands out."""
        key = getattr(self, "_key", None)
        return (key,) if key else ()

    def _redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def _excerpt(self, body: bytes) -> str:
        """The API's message in an error body, one line: redacted whole first, then cut."""
        text = body[:ERROR_BODY_CHARS].decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text)
            message = parsed.get("error", {}).get("message") if isinstance(parsed, dict) else None
            if isinstance(message, str) and message:
                text = message
        except (ValueError, AttributeError):
            pass
        return " ".join(self._redact(text).split())[:EXCERPT_CHARS]

    def url_for(self, day: date, cursor: str | None = None, limit: int = PAGE_LIMIT) -> str:
        params = {"starting_at": day.isoformat(), "limit": str(limit)}
        if cursor:
            params["page"] = cursor
        return f"{self.base_url}{USAGE_REPORT_PATH}?{urllib.parse.urlencode(params)}"

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after_s)
        return min(self.backoff_cap_s, self.backoff_base_s * (2 ** (attempt - 1)))

    def _auth_error(self, status: int, body: bytes) -> AdminApiAuthError:
        hint = (
            "check ANTHROPIC_ADMIN_KEY: it must be a current Admin API key (sk-ant-admin...) of "
            "the organization; individual accounts have no Admin API"
        )
        if not self._key.startswith("sk-ant-admin"):
            hint += " (the key set does not start with sk-ant-admin)"
        if status == 403:
            hint = (
                "check ANTHROPIC_ADMIN_KEY: the key was recognised but may not read the Claude "
                "Code usage report (an Admin API key, sk-ant-admin..., of an organization is needed)"
            )
        detail = self._excerpt(body)
        return AdminApiAuthError(
            f"the Admin API key was refused (HTTP {status}): {hint}"
            + (f". The API said: {detail}" if detail else "")
        )

    # -- requests ----------------------------------------------------------------------------

    def get_page(self, day: date, cursor: str | None = None, number: int = 1) -> Page:
        """One page of the day's report, retried as the module docstring says."""
        url = self.url_for(day, cursor)
        where = f"{day.isoformat()} page {number}"
        last_problem = "no attempt made"
        for attempt in range(1, self.max_attempts + 1):
            request = urllib.request.Request(
                url,
                method="GET",
                headers={
                    "x-api-key": self._key,
                    "anthropic-version": ANTHROPIC_VERSION,
                    "accept": "application/json",
                    "user-agent": USER_AGENT,
                },
            )
            retry_after: float | None = None
            self.requests += 1
            try:
                with self._opener.open(request, timeout=self.timeout_s) as response:
                    body = response.read()
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
                try:
                    body = error.read() or b""
                except (OSError, http.client.HTTPException):
                    body = b""
                headers = error.headers
                error.close()
                if status in (401, 403):
                    raise self._auth_error(status, body) from None
                if status in RETRYABLE_STATUS:
                    retry_after = _retry_after_seconds(headers.get("retry-after") if headers else None)
                    last_problem = f"HTTP {status}" + (f" ({self._excerpt(body)})" if body else "")
                elif 300 <= status < 400:
                    location = headers.get("location", "") if headers else ""
                    raise AdminApiRequestError(
                        f"the Admin API answered {where} with a redirect (HTTP {status}) to "
                        f"{self._redact(location.split('?')[0]) or 'nowhere'}; redirects are not "
                        "followed so the key is not sent elsewhere: fix ANTHROPIC_BASE_URL"
                    ) from None
                else:
                    raise AdminApiRequestError(
                        f"the Admin API refused the request for {where} (HTTP {status}): "
                        f"{self._excerpt(body) or 'no detail'}"
                    ) from None
            except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
                reason = getattr(error, "reason", None) or error
                last_problem = f"connection error: {self._redact(str(reason)) or type(error).__name__}"
            else:
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict) and isinstance(parsed.get("data"), list):
                    next_page = parsed.get("next_page")
                    return Page(
                        day=day,
                        number=number,
                        body=page_to_keep(parsed, self.secrets),
                        items=len(parsed["data"]),
                        has_more=bool(parsed.get("has_more")),
                        next_page=next_page if isinstance(next_page, str) and next_page else None,
                    )
                last_problem = (
                    f"HTTP {status} without a usage report body ({self._excerpt(body) or 'empty'})"
                )
            if attempt < self.max_attempts:
                delay = self._backoff(attempt, retry_after)
                self.retries += 1
                self._log.warning(
                    f"Admin API {where}: {last_problem}; retrying in {delay:g}s "
                    f"(attempt {attempt + 1} of {self.max_attempts})"
                )
                self._sleep(delay)
        raise AdminApiUnavailableError(
            f"the Admin API gave no usable answer for {where} after {self.max_attempts} "
            f"attempts; last: {last_problem}"
        )

    def iter_day(self, day: date) -> Iterator[Page]:
        """Every page of one UTC day, following `next_page` while `has_more`."""
        cursor: str | None = None
        seen: set[str] = set()
        for number in range(1, MAX_PAGES_PER_DAY + 1):
            page = self.get_page(day, cursor, number)
            yield page
            if not page.has_more:
                return
            if page.next_page is None or page.next_page in seen:
                raise AdminApiUnavailableError(
                    f"the Admin API said {day.isoformat()} page {number} has more but gave "
                    + ("no next_page cursor" if page.next_page is None else "a cursor already used")
                )
            seen.add(page.next_page)
            cursor = page.next_page
        raise AdminApiUnavailableError(
            f"the Admin API returned more than {MAX_PAGES_PER_DAY} pages for {day.isoformat()}"
        )
