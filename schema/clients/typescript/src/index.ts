// @pollcast/sdk: the generated API (./rest, from schema/openapi.json) and the few things a
// generator cannot write: a configured client with typed errors, live results, webhook checks.
export * from './rest/index.js';
export { createPollcast, type PollcastOptions } from './connect.js';
export { PollcastError } from './problem.js';
export { followResults, type FollowOptions } from './live.js';
export { verifyWebhook, WebhookVerificationError, type WebhookEvent } from './webhooks.js';
