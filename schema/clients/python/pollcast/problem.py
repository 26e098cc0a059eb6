"""Every answer pollcast refuses, as one exception type with a stable ``code``."""

from __future__ import annotations

from typing import Any

import httpx

from .rest.models.problem import Problem


class PollcastError(Exception):
    """A refused request. Branch on ``code`` (stable, listed in ``rest.models.ErrorCode``),
    never on the message.

    ``code`` is ``"unknown"`` when the answer was not pollcast's problem+json (a proxy's 502,
    say); ``errors`` lists every invalid field with ``validation_failed``; ``retry_after`` is
    the seconds ``Retry-After`` asked for (``rate_limited``, ``service_unavailable``).
    """

    def __init__(self, status: int, body: Any, retry_after: float | None = None) -> None:
        self.status = status
        self.problem: Problem | None = None
        if isinstance(body, dict) and isinstance(body.get("code"), str):
            try:
                self.problem = Problem.from_dict(body)
            except (KeyError, TypeError, ValueError):
                self.problem = None
        self.code: str = body["code"] if self.problem else "unknown"
        self.errors: list[dict[str, Any]] = list(body.get("errors") or []) if self.problem else []
        self.retry_after = retry_after
        detail = (body.get("detail") or body.get("title")) if self.problem else None
        super().__init__(f"{self.code}: {detail}" if detail else f"HTTP {status}")

    @classmethod
    def from_response(cls, response: httpx.Response) -> PollcastError:
        """The error an answer (its body already read) means."""
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        try:
            wait: float | None = float(response.headers.get("retry-after", ""))
        except ValueError:
            wait = None
        return cls(response.status_code, body, wait if wait and wait > 0 else None)
