import type { ErrorCode, FieldError, Problem } from './rest/types.gen.js';

/**
 * Every answer pollcast refuses, as one error type: branch on `code` (stable, declared in the
 * OpenAPI document as `ErrorCode`), never on `message`.
 */
export class PollcastError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The problem's stable code; `unknown` when the answer was not pollcast's problem+json (a proxy's 502, say). */
  readonly code: ErrorCode | 'unknown';
  /** With `validation_failed`: every invalid field at once. */
  readonly errors: FieldError[];
  /** The whole problem document, when there was one. */
  readonly problem?: Problem;
  /** Seconds to wait before retrying, from `Retry-After` (with `rate_limited`, `service_unavailable`). */
  readonly retryAfter?: number;

  constructor(status: number, body: unknown, retryAfter?: number) {
    const problem = isProblem(body) ? body : undefined;
    super(problem ? `${problem.code}: ${problem.detail ?? problem.title}` : `HTTP ${status}`);
    this.name = 'PollcastError';
    this.status = status;
    this.code = problem?.code ?? 'unknown';
    this.errors = problem?.errors ?? [];
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** The error an answer means; `body` is what the client parsed of it. */
  static from(response: Response | undefined, body: unknown): PollcastError {
    if (!response) {
      return new PollcastError(0, body);
    }
    const wait = Number(response.headers.get('retry-after'));
    return new PollcastError(response.status, body, Number.isFinite(wait) && wait > 0 ? wait : undefined);
  }
}

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).code === 'string';
}
