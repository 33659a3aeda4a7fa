"""Every error the product raises on purpose, in one place.

Each is a message for a person: the CLI prints it as one line (`analytics: error: ...`) and
exits 2 for usage errors, 1 for a failed run. None of them ever holds a secret.
"""

from __future__ import annotations


class AnalyticsError(Exception):
    """Base class: an expected failure with a one-line message for the user."""


class UsageError(AnalyticsError):
    """Bad arguments or environment: printed as one line, exit status 2."""


class TimezoneChangedError(UsageError):
    """ANALYTICS_TIMEZONE differs from the zone the marts were built with, and the run is not
    the full rebuild a change of zone needs."""


class LandingDirError(AnalyticsError):
    """The landing folder is missing or unreadable."""


class UnreadableTail(AnalyticsError):
    """The rest of a landed file cannot be read (a damaged compressed stream)."""


class RosterError(AnalyticsError):
    """The roster file exists but cannot be read as the documented CSV."""


class BudgetsError(AnalyticsError):
    """budgets.csv exists but its header is not the documented one."""


class PseudonymKeyError(AnalyticsError):
    """ANALYTICS_PSEUDONYMIZE=1 without ANALYTICS_PSEUDONYM_KEY."""


class WarehouseBusy(AnalyticsError, TimeoutError):
    """Another process held the warehouse for longer than we were willing to wait."""


class WarehouseUnavailable(AnalyticsError, OSError):
    """The warehouse path cannot be opened at all (no folder, no permission, not a database)."""


class CollectConfigError(AnalyticsError, ValueError):
    """The OTLP receiver cannot start as asked (a bad setting, a host without a token)."""


class ServingError(AnalyticsError, RuntimeError):
    """The publish to PostgreSQL could not be done; one line, without the database password."""


class ReportError(AnalyticsError):
    """The report cannot be made (bad period, no warehouse, refused viewer): one line for the user."""


class AdminApiError(AnalyticsError):
    """The Admin API could not be used; the message says why (and never holds the key)."""


class AdminApiAuthError(AdminApiError):
    """The key is missing, malformed or refused (HTTP 401/403)."""


class AdminApiRequestError(AdminApiError):
    """The API refused this request for a reason retrying will not fix (a 4xx other than 429)."""


class AdminApiUnavailableError(AdminApiError):
    """No usable answer after every attempt (429/5xx/connection errors/garbled bodies)."""


class WebhookError(AnalyticsError):
    """The webhook did not take the message (unreachable, timed out, or not 2xx)."""


class LandingWriteError(OSError):
    """A line could not be made durable; the request must be answered 503."""


class BodyError(ValueError):
    """The body cannot be used; `status` is the HTTP status to answer, the message the reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


class JsonShapeError(ValueError):
    """The body is JSON but not the message; the text says where and why."""
