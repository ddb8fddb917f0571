/** What one HTTP attempt came to: the receiver's status, or why there was none. */
export type AttemptResult = { status: number; retryAfterSeconds?: number } | { error: string };

/** delivered: done. retry: worth another attempt later. failed: the receiver refused it for good. */
export type AttemptVerdict = 'delivered' | 'retry' | 'failed';

export interface RetryPolicy {
  /** Delay after the first failed attempt; doubled after each further one. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
}

/** ±20 %: receivers that came back up are not hit by every sender's retries at the same instant. */
const JITTER = 0.2;

/**
 * Network errors, timeouts, 408, 429 and 5xx are worth retrying; 2xx is delivered; anything else
 * (other 4xx, and 3xx: redirects are not followed) is a permanent failure.
 */
export function verdictOf(result: AttemptResult): AttemptVerdict {
  if ('error' in result) return 'retry';
  const { status } = result;
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'failed';
}

/** A short, safe line for the delivery log (never the response body); null when delivered. */
export function describeAttempt(result: AttemptResult): string | null {
  if ('error' in result) return result.error;
  const { status } = result;
  if (status >= 200 && status < 300) return null;
  if (status === 0 || (status >= 300 && status < 400)) return `HTTP ${status}: redirects are not followed`;
  return `HTTP ${status}`;
}

/**
 * How long to wait before the next attempt, after `attempts` failed ones (1, 2, …):
 * base · 2^(attempts − 1) with jitter, at least what Retry-After asked for, never above the cap.
 */
export function retryDelayMs(attempts: number, policy: RetryPolicy, random: () => number = Math.random, retryAfterSeconds?: number): number {
  const exponential = policy.baseMs * 2 ** Math.max(0, attempts - 1);
  const jittered = exponential * (1 - JITTER + 2 * JITTER * random());
  const wanted = Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
  return Math.round(Math.min(wanted, policy.maxMs));
}
