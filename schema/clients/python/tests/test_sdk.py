"""The Python SDK against a live ``pollcast serve`` (BASE, with an admin key in API_KEY), as
services/pollcast/tests/clients.rs runs it: every call goes over real HTTP to the real server."""

from __future__ import annotations

import asyncio
import contextlib
import io
import http.server
import os
import threading
import time
import unittest
import unittest.mock
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pollcast import (
    LiveResults,
    LiveStatus,
    PollcastError,
    WebhookVerificationError,
    connect,
    follow_results,
    verify_webhook,
)
from pollcast.rest.api.keys import create_api_key
from pollcast.rest.api.polls import close_poll, create_poll, delete_poll, get_poll
from pollcast.rest.api.results import get_results
from pollcast.rest.api.votes import cast_vote, create_voter_token, export_votes_csv, list_votes
from pollcast.rest.api.webhooks import create_webhook
from pollcast.rest.client import AuthenticatedClient
from pollcast.rest.models import CastVote, NewKey, NewPoll, NewWebhook, Poll

BASE = os.environ["BASE"]
T = TypeVar("T")


def workspace_client(test: unittest.TestCase) -> AuthenticatedClient:
    """A key made through the SDK, with only what these tests need; closed after ``test``."""
    with connect(BASE, os.environ["API_KEY"]) as admin:
        key = create_api_key.sync(
            client=admin,
            body=NewKey.from_dict(
                {
                    "name": "python sdk test",
                    "scopes": ["polls:read", "polls:write", "votes:read", "webhooks:write"],
                }
            ),
        )
    assert key is not None and isinstance(key.key, str) and key.key.startswith("pk_")  # type: ignore[union-attr]
    client = connect(BASE, key.key)  # type: ignore[union-attr]
    test.addCleanup(client.get_httpx_client().close)
    return client


def eventually(check: Callable[[], T]) -> T:
    """``check()`` once it stops raising AssertionError, within 10 s."""
    end = time.monotonic() + 10
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


def new_poll(client: AuthenticatedClient, body: dict[str, Any]) -> Poll:
    poll = create_poll.sync(client=client, body=NewPoll.from_dict(body))
    assert isinstance(poll, Poll)
    return poll


def vote(client: AuthenticatedClient, poll: Poll, body: dict[str, Any]) -> str:
    accepted = cast_vote.sync(poll.id, client=client, body=CastVote.from_dict(body))
    assert accepted is not None and not isinstance(accepted, dict)
    return accepted.vote_id  # type: ignore[union-attr]


class Sdk(unittest.TestCase):
    def test_a_poll_of_each_kind_is_created_voted_on_and_counted(self) -> None:
        client = workspace_client(self)
        choices = [{"label": "Tabs"}, {"label": "Spaces"}, {"label": "Both"}]
        cases: dict[str, tuple[dict[str, Any], Callable[[Poll], dict[str, Any]]]] = {
            "single": (
                {"question": "Tabs or spaces?", "options": choices},
                lambda p: {"option_ids": [p.options[1].id]},
            ),
            "multiple": (
                {"question": "Which do you use?", "kind": "multiple", "options": choices},
                lambda p: {"option_ids": [p.options[0].id, p.options[2].id]},
            ),
            "ranked": (
                {"question": "Rank them", "kind": "ranked", "options": choices},
                lambda p: {"option_ids": [p.options[2].id, p.options[0].id, p.options[1].id]},
            ),
            "rating": ({"question": "How was it?", "kind": "rating", "scale": 5}, lambda p: {"rating": 4}),
            "open_text": (
                {"question": "One word for it?", "kind": "open_text"},
                lambda p: {"entries": ["Fast", "simple"]},
            ),
        }
        for kind, (body, ballot) in cases.items():
            with self.subTest(kind=kind):
                poll = new_poll(client, {**body, "dedupe": "none"})
                self.assertEqual(poll.kind.value, kind)
                self.assertEqual(poll.status.value, "open")
                vote(client, poll, ballot(poll))

                def counted(poll_id: str = poll.id) -> Any:
                    results = get_results.sync(poll_id, client=client)
                    assert results is not None and results.total_votes == 1, results
                    return results

                results = eventually(counted)
                votes = [o.votes for o in results.options]
                if kind == "single":
                    self.assertEqual(votes, [0, 1, 0])
                if kind == "multiple":
                    self.assertEqual(votes, [1, 0, 1])
                if kind == "ranked":
                    self.assertEqual(results.rounds[-1].winner, poll.options[2].id)
                if kind == "rating":
                    self.assertEqual(results.mean, 4)
                if kind == "open_text":
                    self.assertEqual(results.total_entries, 2)
                    self.assertEqual(sorted(t.text for t in results.terms), ["Fast", "simple"])

    def test_refusals_raise_pollcast_errors_with_stable_codes(self) -> None:
        client = workspace_client(self)
        with self.assertRaises(PollcastError) as missing:
            get_poll.sync("no-such-poll", client=client)
        self.assertEqual((missing.exception.status, missing.exception.code), (404, "poll_not_found"))
        with self.assertRaises(PollcastError) as invalid:
            new_poll(client, {"question": "", "options": []})
        self.assertEqual(invalid.exception.code, "validation_failed")
        self.assertTrue(any(e["field"] == "question" for e in invalid.exception.errors), invalid.exception.errors)
        with self.assertRaises(PollcastError) as anonymous, connect(BASE) as nobody:
            new_poll(nobody, {"question": "x", "options": [{"label": "a"}, {"label": "b"}]})
        self.assertEqual(anonymous.exception.code, "unauthorized")

    def test_the_vote_log_pages_and_exports_as_csv(self) -> None:
        client = workspace_client(self)
        poll = new_poll(client, {"question": "Pick", "options": [{"label": "A"}, {"label": "B"}]})
        # dedupe: browser (the default): one vote per voter token, which the API hands out.
        cast = []
        for i in range(5):
            token = create_voter_token.sync(client=client)
            assert token is not None and not isinstance(token, dict)
            cast.append(vote(client, poll, {"option_ids": [poll.options[i % 2].id], "voter_token": token.voter_token}))  # type: ignore[union-attr]

        def paged() -> list[str]:
            ids: list[str] = []
            cursor: Any = None
            pages = 0
            while True:
                kwargs = {"cursor": cursor} if cursor else {}
                page = list_votes.sync(poll.id, client=client, limit=2, **kwargs)
                assert page is not None and len(page.data) <= 2  # type: ignore[union-attr]
                ids += [v.vote_id for v in page.data]  # type: ignore[union-attr]
                pages += 1
                cursor = page.next_cursor  # type: ignore[union-attr]
                if not isinstance(cursor, str):
                    break
            assert len(ids) == 5 and pages >= 3, (ids, pages)
            return ids

        self.assertEqual(sorted(eventually(paged)), sorted(cast))
        csv = export_votes_csv.sync(poll.id, client=client)
        assert isinstance(csv, str)
        lines = csv.strip().splitlines()
        self.assertIn("vote_id", lines[0])
        self.assertEqual(len(lines), 6, csv)
        for vote_id in cast:
            self.assertIn(vote_id, csv)

    def test_a_webhook_delivery_verifies_and_a_forged_one_does_not(self) -> None:
        client = workspace_client(self)
        deliveries: list[tuple[bytes, dict[str, str]]] = []

        class Receiver(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                deliveries.append((body, dict(self.headers.items())))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
            hook = create_webhook.sync(
                client=client, body=NewWebhook.from_dict({"url": url, "events": ["vote.created"]})
            )
            assert hook is not None and isinstance(hook.secret, str) and hook.secret.startswith("whsec_")  # type: ignore[union-attr]
            secret = hook.secret  # type: ignore[union-attr]
            poll = new_poll(
                client, {"question": "Hooked?", "options": [{"label": "Yes"}, {"label": "No"}], "dedupe": "none"}
            )
            vote_id = vote(client, poll, {"option_ids": [poll.options[1].id]})

            def delivered() -> tuple[bytes, dict[str, str]]:
                found = [d for d in deliveries if vote_id.encode() in d[0]]
                assert found, "the vote.created delivery"
                return found[0]

            body, headers = eventually(delivered)
            event = verify_webhook(secret, body, headers)
            self.assertEqual(event["type"], "vote.created")
            self.assertEqual(event["data"]["vote_id"], vote_id)
            self.assertEqual(event["data"]["option_ids"], [poll.options[1].id])
            forged = body.replace(poll.options[1].id.encode(), poll.options[0].id.encode())
            with self.assertRaises(WebhookVerificationError):
                verify_webhook(secret, forged, headers)
        finally:
            server.shutdown()
            server.server_close()

    def test_the_readmes_first_example_runs_as_written(self) -> None:
        client = workspace_client(self)
        readme = (Path(__file__).parent.parent / "README.md").read_text()
        example = readme.split("```python\n", 1)[1].split("```", 1)[0]
        example = example.replace('"https://polls.example.com"', repr(BASE))
        scope: dict[str, Any] = {}
        with unittest.mock.patch.dict(os.environ, {"POLLCAST_API_KEY": client.token}):
            with contextlib.redirect_stdout(io.StringIO()) as printed:
                exec(compile(example, "README.md", "exec"), scope)  # noqa: S102 (our own README)
        poll = scope["poll"]
        scope["client"].get_httpx_client().close()
        self.assertIn(poll.id, printed.getvalue())
        self.assertEqual([o.label for o in poll.options], ["Tabs", "Spaces"])


class Live(unittest.IsolatedAsyncioTestCase):
    async def test_live_results_arrive_as_they_change(self) -> None:
        client = await asyncio.to_thread(workspace_client, self)
        self.addAsyncCleanup(client.get_async_httpx_client().aclose)
        poll = await create_poll.asyncio(
            client=client,
            body=NewPoll.from_dict(
                {"question": "Live?", "options": [{"label": "Yes"}, {"label": "No"}], "dedupe": "none"}
            ),
        )
        assert isinstance(poll, Poll)
        seen: list[Any] = []

        async def watch() -> None:
            async for message in follow_results(client, poll.id):
                seen.append(message)
                if isinstance(message, LiveResults) and message.total_votes >= 1:
                    return

        watcher = asyncio.create_task(watch())
        while not seen:
            await asyncio.sleep(0.05)
        self.assertIsInstance(seen[0], LiveResults)
        self.assertEqual(seen[0].total_votes, 0)
        await cast_vote.asyncio(poll.id, client=client, body=CastVote.from_dict({"option_ids": [poll.options[0].id]}))
        await asyncio.wait_for(watcher, 10)
        self.assertEqual(seen[-1].options[0].votes, 1)
        self.assertGreater(seen[-1].seq, seen[0].seq)

        # A close arrives as a status, then results that say closed; a deletion ends the loop.
        after: list[Any] = []

        async def to_the_end() -> None:
            async for message in follow_results(client, poll.id):
                after.append(message)

        ending = asyncio.create_task(to_the_end())
        while not after:
            await asyncio.sleep(0.05)
        await close_poll.asyncio(poll.id, client=client)
        while not any(isinstance(m, LiveStatus) for m in after):
            await asyncio.sleep(0.05)
        await delete_poll.asyncio(poll.id, client=client)
        await asyncio.wait_for(ending, 10)
        statuses = [m.status.value for m in after if isinstance(m, LiveStatus)]
        self.assertEqual(statuses, ["closed", "deleted"])
        closed_at = next(i for i, m in enumerate(after) if isinstance(m, LiveStatus))
        self.assertEqual(after[closed_at + 1].status.value, "closed")
        with self.assertRaises(PollcastError) as missing:
            async for _ in follow_results(client, "no-such-poll"):
                pass
        self.assertEqual(missing.exception.code, "poll_not_found")

    async def test_after_vote_results_are_refused_live_until_the_voters_token_has_voted(self) -> None:
        client = await asyncio.to_thread(workspace_client, self)
        self.addAsyncCleanup(client.get_async_httpx_client().aclose)
        poll = await create_poll.asyncio(
            client=client,
            body=NewPoll.from_dict(
                {
                    "question": "Peek?",
                    "options": [{"label": "Yes"}, {"label": "No"}],
                    "results_visibility": "after_vote",
                }
            ),
        )
        assert isinstance(poll, Poll)
        voter = await create_voter_token.asyncio(client=client)
        assert voter is not None and not isinstance(voter, dict)
        token = voter.voter_token  # type: ignore[union-attr]
        anonymous = connect(BASE)
        self.addAsyncCleanup(anonymous.get_async_httpx_client().aclose)
        with self.assertRaises(PollcastError) as hidden:
            async for _ in follow_results(anonymous, poll.id, voter_token=token):
                pass
        self.assertEqual(hidden.exception.code, "results_hidden")
        await cast_vote.asyncio(
            poll.id, client=client, body=CastVote.from_dict({"option_ids": [poll.options[0].id], "voter_token": token})
        )
        async for message in follow_results(anonymous, poll.id, voter_token=token):
            if isinstance(message, LiveResults):
                self.assertEqual(message.poll_id, poll.id)
                break

    async def test_live_results_reconnect_after_the_connection_drops(self) -> None:
        client = await asyncio.to_thread(workspace_client, self)
        self.addAsyncCleanup(client.get_async_httpx_client().aclose)
        poll = await create_poll.asyncio(
            client=client,
            body=NewPoll.from_dict(
                {"question": "Dropped?", "options": [{"label": "Yes"}, {"label": "No"}], "dedupe": "none"}
            ),
        )
        assert isinstance(poll, Poll)
        # A TCP relay to the server that the test can cut: what a proxy restart or a network
        # change does to a long-lived connection.
        target = urlsplit(BASE)
        writers: set[asyncio.StreamWriter] = set()
        connections = 0

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                writer.close()

        async def relay_one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            up_reader, up_writer = await asyncio.open_connection(target.hostname, target.port)
            writers.update((writer, up_writer))
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

        relay = await asyncio.start_server(relay_one, "127.0.0.1", 0)
        port = relay.sockets[0].getsockname()[1]
        via_relay = connect(f"http://127.0.0.1:{port}", client.token)
        self.addAsyncCleanup(via_relay.get_async_httpx_client().aclose)
        seen: list[Any] = []

        async def watch() -> None:
            async for message in follow_results(via_relay, poll.id, retry=0.05):
                seen.append(message)
                if isinstance(message, LiveResults) and message.total_votes >= 1:
                    return

        watcher = asyncio.create_task(watch())
        try:
            while not seen:
                await asyncio.sleep(0.05)
            for writer in writers:
                writer.transport.abort()
            await cast_vote.asyncio(
                poll.id, client=client, body=CastVote.from_dict({"option_ids": [poll.options[1].id]})
            )
            await asyncio.wait_for(watcher, 10)
            self.assertEqual(seen[-1].options[1].votes, 1)
            self.assertGreaterEqual(connections, 2, "it did not reconnect")
        finally:
            watcher.cancel()
            relay.close()
            for writer in writers:
                writer.transport.abort()
            await relay.wait_closed()


if __name__ == "__main__":
    unittest.main()
