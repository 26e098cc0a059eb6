"""A poll's live results over Server-Sent Events, reconnecting until the caller stops."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
from httpx_sse import SSEError, aconnect_sse

from .problem import PollcastError
from .rest.client import AuthenticatedClient, Client
from .rest.models import LiveResults, LiveStatus
from .rest.models.live_status_status import LiveStatusStatus


async def follow_results(
    client: AuthenticatedClient | Client,
    poll_id: str,
    *,
    voter_token: str | None = None,
    retry: float = 0.25,
    max_retry: float = 10.0,
) -> AsyncIterator[LiveResults | LiveStatus]:
    """Yields the poll's live messages for as long as the caller iterates::

        async for message in follow_results(client, poll_id):
            if isinstance(message, LiveResults):
                print(message.total_votes)

    Each :class:`LiveResults` is a full state (``seq``, ``status``, ``total_votes``,
    ``options``, ``viewers`` and the kind's fields), so a missed one needs nothing; a
    :class:`LiveStatus` (``open``, ``closed``, ``deleted``) comes just before the results that
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
                    data = json.loads(event.data)
                    message: LiveResults | LiveStatus
                    if data.get("type") == "results":
                        message = LiveResults.from_dict(data)
                        if message.seq < last_seq:
                            continue
                        last_seq = message.seq
                        wait = retry
                    elif data.get("type") == "status":
                        message = LiveStatus.from_dict(data)
                    else:
                        continue
                    yield message
                    if isinstance(message, LiveStatus) and message.status == LiveStatusStatus.DELETED:
                        return
        except PollcastError as error:
            if error.status != 429 and error.status < 500:
                raise
        except (httpx.TransportError, SSEError):
            pass
        await asyncio.sleep(wait / 2 + random.random() * wait / 2)
        wait = min(wait * 2, max_retry)
