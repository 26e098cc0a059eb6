"""Standard Webhooks verification of pollcast's deliveries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

__all__ = ["WebhookVerificationError", "verify_webhook"]


def verify_webhook(secret: str, body: bytes | str, headers: Mapping[str, str]) -> dict[str, Any]:
    """Checks a delivery's signature and returns its event, ``{"type", "timestamp", "data"}``.

    Raises :class:`WebhookVerificationError` for a forged, altered or stale (over 5 minutes)
    delivery. Pass the raw body exactly as received, before any JSON parsing, and the
    request's headers (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``). The
    ``webhook-id`` is the same on every attempt of a delivery: keep it to ignore a repeat.
    """
    plain = {name.lower(): value for name, value in headers.items()}
    return Webhook(secret).verify(body, plain)
