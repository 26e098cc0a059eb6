import { createParser, type EventSourceMessage } from 'eventsource-parser';

import type { Client } from './rest/client/index.js';
import type { LiveMessage } from './rest/types.gen.js';
import { PollcastError } from './problem.js';

export interface FollowOptions {
  /** Stops following (the loop ends without an error). */
  signal?: AbortSignal;
  /** For `after_vote` polls: the voter's token, sent as the `Voter-Token` header. */
  voterToken?: string;
  /** The first wait before reconnecting, doubled up to `maxRetryMs` (default 250 ms and 10 s). */
  retryMs?: number;
  maxRetryMs?: number;
}

/**
 * A poll's live results over Server-Sent Events (`LiveResults` and `LiveStatus` messages, as
 * the OpenAPI document declares them), for as long as the caller iterates:
 *
 * ```ts
 * for await (const message of followResults(client, pollId, { signal })) { ... }
 * ```
 *
 * A dropped connection is reopened (backing off, with jitter) and starts with a full
 * snapshot; a snapshot older than one already seen (a lagging instance) is skipped. The loop
 * ends when `signal` aborts or the poll is deleted, and throws a {@link PollcastError} for a
 * refusal that retrying cannot cure (`poll_not_found`, `results_hidden`).
 */
export async function* followResults(
  client: Client,
  pollId: string,
  options: FollowOptions = {},
): AsyncGenerator<LiveMessage, void, undefined> {
  const config = client.getConfig();
  const doFetch: (request: Request) => Promise<Response> = config.fetch ?? globalThis.fetch;
  const url = `${config.baseUrl ?? ''}/v1/polls/${encodeURIComponent(pollId)}/live`;
  const first = options.retryMs ?? 250;
  const max = options.maxRetryMs ?? 10_000;
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  const token = typeof config.auth === 'function' ? undefined : config.auth;
  if (token) {
    headers.authorization = `Bearer ${token}`;
  }
  if (options.voterToken) {
    headers['voter-token'] = options.voterToken;
  }
  let wait = first;
  let lastSeq = -1;
  while (!options.signal?.aborted) {
    let response: Response | undefined;
    try {
      response = await doFetch(new Request(url, { headers, signal: options.signal }));
    } catch {
      if (options.signal?.aborted) {
        return;
      }
    }
    if (response && !response.ok) {
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable) {
        throw PollcastError.from(response, await response.json().catch(() => undefined));
      }
    } else if (response?.body) {
      const queue: EventSourceMessage[] = [];
      const parser = createParser({ onEvent: (event) => queue.push(event) });
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          parser.feed(decoder.decode(chunk, { stream: true }));
          for (const event of queue.splice(0)) {
            const message = JSON.parse(event.data) as LiveMessage;
            if (message.type === 'results') {
              if (message.seq < lastSeq) {
                continue;
              }
              lastSeq = message.seq;
              wait = first;
            } else if (message.type !== 'status') {
              // A message type this version does not know: skipped, as the Python SDK does.
              continue;
            }
            yield message;
            if (message.type === 'status' && message.status === 'deleted') {
              return;
            }
          }
        }
      } catch {
        if (options.signal?.aborted) {
          return;
        }
      }
    }
    await sleep(wait / 2 + Math.random() * (wait / 2), options.signal);
    wait = Math.min(wait * 2, max);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
