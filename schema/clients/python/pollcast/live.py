"""A poll's live results over Server-Sent Events, reconnecting until the caller stops."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
from httpx_sse import SSEError, aconnect_sse

from .problem import PollcastError
from .rest.client import AuthenticatedClient, Client


async def follow_results(
    client: AuthenticatedClient | Client,
    poll_id: str,
    *,
    voter_token: str | None = None,
    retry: float = 0.25,
    max_retry: float = 10.0,
) -> AsyncIterator[dict[str, Any]]:
    """Yields the poll's live messages for as long as the caller iterates::

        async for message in follow_results(client, poll_id):
            if message["type"] == "results":
                print(message["total_votes"])

    Each ``results`` message is a full state (``seq``, ``status``, ``total_votes``,
    ``options``, ``viewers`` and the kind's fields), so a missed one needs nothing; a
    ``status`` message (``open``, ``closed``, ``deleted``) comes just before the results that
    show it. A dropped connection is reopened, backing off from ``retry`` to ``max_retry``
    seconds with jitter, and starts with a full snapshot; a snapshot older than one already
    seen (a lagging instance) is skipped. The loop ends when the poll is deleted, and raises
    :class:`PollcastError` for a refusal that retrying cannot cure (``poll_not_found``,
    ``results_hidden``). Leave it with ``break``; the connection closes with it.
    """
    http = client.get_async_httpx_client()
    url = f"/v1/polls/{quote(poll_id, safe='')}/live"
    headers = {"Accept": "text/event-stream"}
    if voter_token:
        headers["Voter-Token"] = voter_token
    # No read timeout: a quiet poll sends only the server's pings.
    timeout = httpx.Timeout(10.0, read=None)
    wait = retry
    last_seq = -1
    while True:
        try:
            async with aconnect_sse(http, "GET", url, headers=headers, timeout=timeout) as source:
                async for event in source.aiter_sse():
                    if not event.data:
                        continue
                    message = json.loads(event.data)
                    if message.get("type") == "results":
                        if message["seq"] < last_seq:
                            continue
                        last_seq = message["seq"]
                        wait = retry
                    yield message
                    if message.get("type") == "status" and message.get("status") == "deleted":
                        return
        except PollcastError as error:
            if error.status != 429 and error.status < 500:
                raise
        except (httpx.TransportError, SSEError):
            pass
        await asyncio.sleep(wait / 2 + random.random() * wait / 2)
        wait = min(wait * 2, max_retry)
