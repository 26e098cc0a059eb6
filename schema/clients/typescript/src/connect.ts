import { createClient, createConfig, type Client } from './rest/client/index.js';
import { PollcastError } from './problem.js';

export interface PollcastOptions {
  /** Where pollcast answers, e.g. `https://polls.example.com` (no `/v1`). */
  baseUrl: string;
  /** A workspace API key (`pk_...`) or an access token; read-only routes work without one. */
  apiKey?: string;
  /** Another `fetch` (a test's, or one with a proxy agent). */
  fetch?: typeof fetch;
}

/**
 * A client for every generated function (`createPoll({ client, body })`): it sends the key as
 * a Bearer token and throws a {@link PollcastError} for any refusal, so `data` is always there.
 */
export function createPollcast(options: PollcastOptions): Client {
  const client = createClient(
    createConfig({
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      auth: options.apiKey,
      fetch: options.fetch,
      throwOnError: true,
    }),
  );
  client.interceptors.error.use((body, response) => PollcastError.from(response, body));
  return client;
}
