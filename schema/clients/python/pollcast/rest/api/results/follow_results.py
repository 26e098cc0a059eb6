from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.live_results import LiveResults
from ...models.live_status import LiveStatus
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    poll_id: str,
    *,
    voter_token: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(voter_token, Unset):
        headers["Voter-Token"] = voter_token

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/polls/{poll_id}/live".format(
            poll_id=quote(str(poll_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | LiveResults | LiveStatus | Problem | None:
    if response.status_code == 101:
        response_101 = cast(Any, None)
        return response_101

    if response.status_code == 200:

        def _parse_response_200(data: object) -> LiveResults | LiveStatus:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_live_message_type_0 = LiveResults.from_dict(data)

                return componentsschemas_live_message_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_live_message_type_1 = LiveStatus.from_dict(data)

            return componentsschemas_live_message_type_1

        response_200 = _parse_response_200(response.text)

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | LiveResults | LiveStatus | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    poll_id: str,
    *,
    client: AuthenticatedClient,
    voter_token: None | str | Unset = UNSET,
) -> Response[Any | LiveResults | LiveStatus | Problem]:
    """`GET /v1/polls/{id}/live`: a WebSocket, or Server-Sent Events with
    `Accept: text/event-stream`. A viewer of an `after_vote` poll proves it voted with the
    `Voter-Token` header (SSE) or, on a WebSocket, with a first message
    `{"type": "hello", "voter_token": "..."}`; without it the socket is closed with
    `results_hidden`.

    Args:
        poll_id (str):
        voter_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | LiveResults | LiveStatus | Problem]
    """

    kwargs = _get_kwargs(
        poll_id=poll_id,
        voter_token=voter_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    poll_id: str,
    *,
    client: AuthenticatedClient,
    voter_token: None | str | Unset = UNSET,
) -> Any | LiveResults | LiveStatus | Problem | None:
    """`GET /v1/polls/{id}/live`: a WebSocket, or Server-Sent Events with
    `Accept: text/event-stream`. A viewer of an `after_vote` poll proves it voted with the
    `Voter-Token` header (SSE) or, on a WebSocket, with a first message
    `{"type": "hello", "voter_token": "..."}`; without it the socket is closed with
    `results_hidden`.

    Args:
        poll_id (str):
        voter_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | LiveResults | LiveStatus | Problem
    """

    return sync_detailed(
        poll_id=poll_id,
        client=client,
        voter_token=voter_token,
    ).parsed


async def asyncio_detailed(
    poll_id: str,
    *,
    client: AuthenticatedClient,
    voter_token: None | str | Unset = UNSET,
) -> Response[Any | LiveResults | LiveStatus | Problem]:
    """`GET /v1/polls/{id}/live`: a WebSocket, or Server-Sent Events with
    `Accept: text/event-stream`. A viewer of an `after_vote` poll proves it voted with the
    `Voter-Token` header (SSE) or, on a WebSocket, with a first message
    `{"type": "hello", "voter_token": "..."}`; without it the socket is closed with
    `results_hidden`.

    Args:
        poll_id (str):
        voter_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | LiveResults | LiveStatus | Problem]
    """

    kwargs = _get_kwargs(
        poll_id=poll_id,
        voter_token=voter_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    poll_id: str,
    *,
    client: AuthenticatedClient,
    voter_token: None | str | Unset = UNSET,
) -> Any | LiveResults | LiveStatus | Problem | None:
    """`GET /v1/polls/{id}/live`: a WebSocket, or Server-Sent Events with
    `Accept: text/event-stream`. A viewer of an `after_vote` poll proves it voted with the
    `Voter-Token` header (SSE) or, on a WebSocket, with a first message
    `{"type": "hello", "voter_token": "..."}`; without it the socket is closed with
    `results_hidden`.

    Args:
        poll_id (str):
        voter_token (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | LiveResults | LiveStatus | Problem
    """

    return (
        await asyncio_detailed(
            poll_id=poll_id,
            client=client,
            voter_token=voter_token,
        )
    ).parsed
