import type { AttemptResult } from './retryPolicy.js';

export interface AttemptRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborted when the dispatcher closes. */
  signal: AbortSignal;
}

/** Sends one attempt; never rejects (a failure is an AttemptResult too). Tests inject fakes. */
export type WebhookTransport = (request: AttemptRequest) => Promise<AttemptResult>;

/** POST over HTTP(S) with Node's fetch: no redirects followed, the response body discarded unread. */
export const httpTransport: WebhookTransport = async ({ url, body, headers, timeoutMs, signal }) => {
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    // Whatever the receiver says in the body is not needed, and must not fill memory.
    await response.body?.cancel().catch(() => undefined);
    const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
    return retryAfterSeconds === undefined ? { status: response.status } : { status: response.status, retryAfterSeconds };
  } catch (error) {
    return { error: describeFailure(error, timeoutMs) };
  }
};

/** Only the delay form (seconds); an HTTP date is ignored and the backoff applies. */
function parseRetryAfter(value: string | null): number | undefined {
  return value !== null && /^\d{1,7}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

/** A short reason without URLs or bodies: error texts can echo the URL (and a token in its query). */
function describeFailure(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError') return `timeout after ${timeoutMs} ms`;
  if (name === 'AbortError') return 'aborted: server closing';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  // fetch refuses a few ports outright (the Fetch standard's "bad ports", e.g. 6000, 6667, 10080).
  if (cause?.message === 'bad port') return 'network error: fetch does not allow this port';
  const code = cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? `network error ${code}` : 'network error';
}
