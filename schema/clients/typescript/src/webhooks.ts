import { Webhook, WebhookVerificationError } from 'standardwebhooks';

import type { EventType } from './rest/types.gen.js';

/** A delivery's body: what happened, when, and its data (see docs/webhooks.md per type). */
export interface WebhookEvent<Data = Record<string, unknown>> {
  type: EventType;
  /** When the thing happened (RFC 3339), the same on every attempt. */
  timestamp: string;
  data: Data;
}

export { WebhookVerificationError };

/**
 * Checks a delivery's Standard Webhooks signature and returns its event; throws a
 * {@link WebhookVerificationError} for a forged, altered or stale (over 5 minutes) delivery.
 * Pass the raw body exactly as received, before any JSON parsing, and the request's headers
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`). The `webhook-id` is the same on
 * every attempt of a delivery: keep it to ignore a repeat.
 */
export function verifyWebhook(
  secret: string,
  rawBody: string | Uint8Array,
  headers: Record<string, string | string[] | undefined> | Headers,
): WebhookEvent {
  const plain: Record<string, string> = {};
  const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers);
  for (const [name, value] of entries) {
    if (value !== undefined) {
      plain[name.toLowerCase()] = Array.isArray(value) ? value.join(' ') : value;
    }
  }
  const payload = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody);
  return new Webhook(secret).verify(payload, plain) as WebhookEvent;
}
