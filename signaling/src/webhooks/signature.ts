import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * `ClassBridge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The timestamp is signed with the body, so a receiver can refuse old requests replayed later.
 */

export interface VerifyOptions {
  /** How far the signed time may be from `now`, either way (clock skew). Default 300. */
  toleranceSeconds?: number;
  /** Unix seconds; default: the clock. */
  now?: number;
}

/** The ClassBridge-Signature header value for `body` sent at unix time `t` (seconds). */
export function signWebhook(secret: string, body: string | Uint8Array, t: number): string {
  return `t=${t},v1=${hmac(secret, t, body).toString('hex')}`;
}

/**
 * True when `header` carries a v1 signature of exactly `rawBody` (the bytes received, not
 * re-serialized JSON) made with `secret`, at a time within the tolerance. Compared in constant time.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  rawBody: string | Uint8Array,
  { toleranceSeconds = 300, now = Math.floor(Date.now() / 1000) }: VerifyOptions = {},
): boolean {
  const parsed = parseSignatureHeader(header);
  if (!parsed || Math.abs(now - parsed.t) > toleranceSeconds) return false;
  const expected = hmac(secret, parsed.t, rawBody);
  // Several v1 values are allowed (a sender rotating secrets signs with both).
  return parsed.signatures.some((signature) => timingSafeEqual(signature, expected));
}

function hmac(secret: string, t: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest();
}

function parseSignatureHeader(header: string | null | undefined): { t: number; signatures: Buffer[] } | undefined {
  if (!header || header.length > 1024) return undefined;
  let t: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value = ''] = part.trim().split('=', 2);
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    // Exactly 32 bytes, so timingSafeEqual never sees lengths that differ.
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  return t === undefined || signatures.length === 0 ? undefined : { t, signatures };
}
