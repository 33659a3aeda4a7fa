"""Post one JSON message to a chat webhook (Slack's incoming-webhook shape, `{"text": ...}`,
which Mattermost, Teams workflows and most chat tools accept)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from analytics.errors import WebhookError


def post_text(url: str, text: str, timeout_s: float = 10.0) -> None:
    """POST {"text": text}; raise WebhookError with a one-line reason (never the URL, which is a
    secret for most chat tools) unless the webhook answers 2xx."""
    body = json.dumps({"text": text}).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"the webhook answered HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WebhookError(f"the webhook could not be reached: {reason}") from None
    if not 200 <= status < 300:
        raise WebhookError(f"the webhook answered HTTP {status}")
