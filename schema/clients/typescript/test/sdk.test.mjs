// @pollcast/sdk against a live `pollcast serve` (BASE, with an admin key in API_KEY), as
// services/pollcast/tests/clients.rs runs it: every call goes over real HTTP to the real server.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect as tcpConnect, createServer as createTcpServer } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  PollcastError,
  castVote,
  closePoll,
  createApiKey,
  createPoll,
  createPollcast,
  createVoterToken,
  createWebhook,
  deletePoll,
  exportVotesCsv,
  followResults,
  getPoll,
  getResults,
  listVotes,
  verifyWebhook,
  WebhookVerificationError,
} from '../dist/index.js';

const BASE = process.env.BASE;
const admin = createPollcast({ baseUrl: BASE, apiKey: process.env.API_KEY });

/** A key made through the SDK, with only what these tests need. */
async function workspaceClient() {
  const { data: key } = await createApiKey({
    client: admin,
    body: { name: 'typescript sdk test', scopes: ['polls:read', 'polls:write', 'votes:read', 'webhooks:write'] },
  });
  assert.match(key.key, /^pk_/);
  return createPollcast({ baseUrl: BASE, apiKey: key.key });
}

/** Until `check` passes or 10 s pass. */
async function eventually(check) {
  const end = Date.now() + 10_000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

test('a poll of each kind is created, voted on and counted', async () => {
  const client = await workspaceClient();
  const choices = [{ label: 'Tabs' }, { label: 'Spaces' }, { label: 'Both' }];
  const kinds = {
    single: { body: { question: 'Tabs or spaces?', options: choices }, vote: (p) => ({ option_ids: [p.options[1].id] }) },
    multiple: {
      body: { question: 'Which do you use?', kind: 'multiple', options: choices },
      vote: (p) => ({ option_ids: [p.options[0].id, p.options[2].id] }),
    },
    ranked: {
      body: { question: 'Rank them', kind: 'ranked', options: choices },
      vote: (p) => ({ option_ids: [p.options[2].id, p.options[0].id, p.options[1].id] }),
    },
    rating: { body: { question: 'How was it?', kind: 'rating', scale: 5 }, vote: () => ({ rating: 4 }) },
    open_text: { body: { question: 'One word for it?', kind: 'open_text' }, vote: () => ({ entries: ['Fast', 'simple'] }) },
  };
  for (const [kind, { body, vote }] of Object.entries(kinds)) {
    const { data: poll } = await createPoll({ client, body: { ...body, dedupe: 'none' } });
    assert.equal(poll.kind, kind);
    assert.equal(poll.status, 'open');
    const { data: accepted } = await castVote({ client, path: { poll_id: poll.id }, body: vote(poll) });
    assert.ok(accepted.vote_id, `${kind}: a vote id`);
    const results = await eventually(async () => {
      const { data } = await getResults({ client, path: { poll_id: poll.id } });
      assert.equal(data.total_votes, 1, `${kind}: counted`);
      return data;
    });
    if (kind === 'single') assert.deepEqual(results.options.map((o) => o.votes), [0, 1, 0]);
    if (kind === 'multiple') assert.deepEqual(results.options.map((o) => o.votes), [1, 0, 1]);
    if (kind === 'ranked') assert.equal(results.rounds.at(-1).winner, poll.options[2].id);
    if (kind === 'rating') assert.equal(results.mean, 4);
    if (kind === 'open_text') {
      assert.equal(results.total_entries, 2);
      assert.deepEqual(results.terms.map((t) => t.text).sort(), ['Fast', 'simple']);
    }
  }
});

test('refusals are PollcastErrors with stable codes', async () => {
  const client = await workspaceClient();
  await assert.rejects(getPoll({ client, path: { poll_id: 'no-such-poll' } }), (error) => {
    assert.ok(error instanceof PollcastError);
    assert.equal(error.status, 404);
    assert.equal(error.code, 'poll_not_found');
    return true;
  });
  await assert.rejects(createPoll({ client, body: { question: '', options: [] } }), (error) => {
    assert.equal(error.code, 'validation_failed');
    assert.ok(error.errors.some((e) => e.field === 'question'), JSON.stringify(error.errors));
    return true;
  });
  const anonymous = createPollcast({ baseUrl: BASE });
  await assert.rejects(createPoll({ client: anonymous, body: { question: 'x', options: [{ label: 'a' }, { label: 'b' }] } }), {
    code: 'unauthorized',
  });
});

test('the vote log pages, and exports as CSV', async () => {
  const client = await workspaceClient();
  const { data: poll } = await createPoll({
    client,
    body: { question: 'Pick', options: [{ label: 'A' }, { label: 'B' }] },
  });
  // dedupe: browser (the default): one vote per voter token, which the API hands out.
  const cast = [];
  for (let i = 0; i < 5; i++) {
    const { data: token } = await createVoterToken({ client });
    const { data } = await castVote({
      client,
      path: { poll_id: poll.id },
      body: { option_ids: [poll.options[i % 2].id], voter_token: token.voter_token },
    });
    cast.push(data.vote_id);
  }
  const seen = await eventually(async () => {
    const ids = [];
    let cursor;
    let pages = 0;
    do {
      const { data: page } = await listVotes({ client, path: { poll_id: poll.id }, query: { limit: 2, cursor } });
      assert.ok(page.data.length <= 2);
      ids.push(...page.data.map((v) => v.vote_id));
      cursor = page.next_cursor ?? undefined;
      pages++;
    } while (cursor);
    assert.equal(ids.length, 5);
    assert.ok(pages >= 3, `${pages} pages of at most 2`);
    return ids;
  });
  assert.deepEqual([...seen].sort(), [...cast].sort());
  const { data: csv } = await exportVotesCsv({ client, path: { poll_id: poll.id }, parseAs: 'text' });
  const lines = csv.trim().split(/\r?\n/);
  assert.match(lines[0], /vote_id/);
  assert.equal(lines.length, 6, csv);
  for (const id of cast) assert.ok(csv.includes(id));
});

test('live results arrive as they change', async () => {
  const client = await workspaceClient();
  const { data: poll } = await createPoll({
    client,
    body: { question: 'Live?', options: [{ label: 'Yes' }, { label: 'No' }], dedupe: 'none' },
  });
  const stop = new AbortController();
  const live = followResults(client, poll.id, { signal: stop.signal });
  const first = await live.next();
  assert.equal(first.value.type, 'results');
  assert.equal(first.value.total_votes, 0);
  await castVote({ client, path: { poll_id: poll.id }, body: { option_ids: [poll.options[0].id] } });
  let latest = first.value;
  while (latest.type !== 'results' || latest.total_votes < 1) {
    latest = (await live.next()).value;
  }
  assert.equal(latest.options[0].votes, 1);
  assert.ok(latest.seq > first.value.seq);
  await closePoll({ client, path: { poll_id: poll.id } });
  let status;
  do {
    status = (await live.next()).value;
  } while (status.type !== 'status');
  assert.equal(status.status, 'closed');
  const after = (await live.next()).value;
  assert.equal(after.type, 'results');
  assert.equal(after.status, 'closed', 'the results after a close say closed');
  await deletePoll({ client, path: { poll_id: poll.id } });
  const rest = [];
  for await (const message of live) rest.push(message);
  assert.deepEqual(rest.at(-1), { type: 'status', poll_id: poll.id, status: 'deleted' }, 'the loop ends with the deletion');
  stop.abort();
  assert.equal((await live.next()).done, true);
  await assert.rejects(followResults(client, 'no-such-poll').next(), { code: 'poll_not_found' });
});

test("after_vote results are refused live until the voter's token has voted", async () => {
  const client = await workspaceClient();
  const { data: poll } = await createPoll({
    client,
    body: { question: 'Peek?', options: [{ label: 'Yes' }, { label: 'No' }], results_visibility: 'after_vote' },
  });
  const { data: voter } = await createVoterToken({ client });
  const anonymous = createPollcast({ baseUrl: BASE });
  await assert.rejects(followResults(anonymous, poll.id, { voterToken: voter.voter_token }).next(), {
    code: 'results_hidden',
  });
  await castVote({ client, path: { poll_id: poll.id }, body: { option_ids: [poll.options[0].id], voter_token: voter.voter_token } });
  const stop = new AbortController();
  const live = followResults(anonymous, poll.id, { voterToken: voter.voter_token, signal: stop.signal });
  let first = (await live.next()).value;
  while (first.type !== 'results') first = (await live.next()).value;
  assert.equal(first.poll_id, poll.id);
  stop.abort();
});

test('live results reconnect after the connection drops', async () => {
  const client = await workspaceClient();
  const { data: poll } = await createPoll({
    client,
    body: { question: 'Dropped?', options: [{ label: 'Yes' }, { label: 'No' }], dedupe: 'none' },
  });
  // A TCP relay to the server that the test can cut: what a proxy restart or a network
  // change does to a long-lived connection.
  const target = new URL(BASE);
  const sockets = new Set();
  let connections = 0;
  const relay = createTcpServer((inbound) => {
    connections++;
    const outbound = tcpConnect(Number(target.port), target.hostname);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  const viaRelay = createPollcast({ baseUrl: `http://127.0.0.1:${relay.address().port}`, apiKey: client.getConfig().auth });
  const stop = new AbortController();
  try {
    const live = followResults(viaRelay, poll.id, { signal: stop.signal, retryMs: 50 });
    assert.equal((await live.next()).value.total_votes, 0);
    for (const s of sockets) s.destroy();
    await castVote({ client, path: { poll_id: poll.id }, body: { option_ids: [poll.options[1].id] } });
    let latest;
    do {
      latest = (await live.next()).value;
    } while (latest.type !== 'results' || latest.total_votes < 1);
    assert.equal(latest.options[1].votes, 1);
    assert.ok(connections >= 2, `${connections} connection(s): it did not reconnect`);
  } finally {
    stop.abort();
    relay.close();
    for (const s of sockets) s.destroy();
  }
});

test('a webhook delivery verifies, and a forged one does not', async () => {
  const client = await workspaceClient();
  const deliveries = [];
  const receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ body: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(204).end();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  try {
    const url = `http://127.0.0.1:${receiver.address().port}/hooks`;
    const { data: hook } = await createWebhook({ client, body: { url, events: ['vote.created'] } });
    assert.match(hook.secret, /^whsec_/);
    const { data: poll } = await createPoll({
      client,
      body: { question: 'Hooked?', options: [{ label: 'Yes' }, { label: 'No' }], dedupe: 'none' },
    });
    const { data: vote } = await castVote({ client, path: { poll_id: poll.id }, body: { option_ids: [poll.options[1].id] } });
    const delivery = await eventually(() => {
      const found = deliveries.find((d) => d.body.includes(vote.vote_id));
      assert.ok(found, 'the vote.created delivery');
      return found;
    });
    const event = verifyWebhook(hook.secret, delivery.body, delivery.headers);
    assert.equal(event.type, 'vote.created');
    assert.equal(event.data.vote_id, vote.vote_id);
    assert.deepEqual(event.data.option_ids, [poll.options[1].id]);
    const forged = Buffer.from(delivery.body.toString().replace(poll.options[1].id, poll.options[0].id));
    assert.throws(() => verifyWebhook(hook.secret, forged, delivery.headers), WebhookVerificationError);
    assert.throws(() => verifyWebhook(`whsec_${Buffer.alloc(24).toString('base64')}`, delivery.body, delivery.headers), WebhookVerificationError);
  } finally {
    receiver.close();
  }
});

test("the README's first example runs as written", async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const example = readme.match(/```ts\n([\s\S]*?)```/)[1]
    .replace("'@pollcast/sdk'", `'${new URL('../dist/index.js', import.meta.url)}'`)
    .replace("'https://polls.example.com'", JSON.stringify(BASE));
  const client = await workspaceClient();
  const dir = mkdtempSync(join(tmpdir(), 'readme-'));
  const file = join(dir, 'example.mjs');
  writeFileSync(file, `${example}\nexport { poll };\n`);
  process.env.POLLCAST_API_KEY = client.getConfig().auth;
  const { poll } = await import(file).finally(() => rmSync(dir, { recursive: true }));
  const { data } = await eventually(async () => {
    const answer = await getResults({ client, path: { poll_id: poll.id } });
    assert.equal(answer.data.total_votes, 1);
    return answer;
  });
  assert.equal(data.options[0].votes, 1);
});
