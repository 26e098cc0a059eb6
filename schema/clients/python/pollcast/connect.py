"""A configured client for every generated function, raising PollcastError on refusals."""

from __future__ import annotations

import httpx

from .problem import PollcastError
from .rest.client import AuthenticatedClient


def _raise(response: httpx.Response) -> None:
    if response.is_error:
        response.read()
        raise PollcastError.from_response(response)


async def _araise(response: httpx.Response) -> None:
    if response.is_error:
        await response.aread()
        raise PollcastError.from_response(response)


def connect(base_url: str, api_key: str | None = None, *, timeout: float = 10.0) -> AuthenticatedClient:
    """A client for ``base_url`` (``https://polls.example.com``, no ``/v1``).

    Pass it as ``client=`` to any function of ``pollcast.rest.api``, sync or async. The key
    (``pk_...``, or an access token) goes as a Bearer token; read-only routes work without
    one. Any refusal raises :class:`PollcastError`, so a call returns its result or raises.
    """
    base_url = base_url.rstrip("/")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    client = AuthenticatedClient(base_url=base_url, token=api_key or "", timeout=httpx.Timeout(timeout))
    common = {"base_url": base_url, "headers": headers, "timeout": timeout}
    client.set_httpx_client(httpx.Client(**common, event_hooks={"response": [_raise]}))
    client.set_async_httpx_client(httpx.AsyncClient(**common, event_hooks={"response": [_araise]}))
    return client
