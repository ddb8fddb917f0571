/*
 * Bots measure one-way delay through the SFU with a trailer on every payload they
 * send: a magic word and the send time. The SFU parses only the start of a payload
 * (VP8 descriptor, frame tag), and nobody decodes bot media, so the trailer rides
 * along untouched. All bots of a run share one machine clock.
 */

const MAGIC = 0xcb1d;
export const TRAILER_BYTES = 10;

/** Milliseconds on a clock every process on this machine shares (sub-millisecond resolution). */
export const sharedClockMs = (): number => performance.timeOrigin + performance.now();

/** The payload with the send time appended. */
export function withSendTime(payload: Buffer, sentAtMs: number): Buffer {
  const out = Buffer.allocUnsafe(payload.length + TRAILER_BYTES);
  payload.copy(out, 0);
  out.writeUInt16BE(MAGIC, payload.length);
  out.writeDoubleBE(sentAtMs, payload.length + 2);
  return out;
}

/** The send time a payload carries, or null if it has no trailer. */
export function sendTimeOf(payload: Uint8Array): number | null {
  if (payload.length < TRAILER_BYTES) return null;
  const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const at = payload.length - TRAILER_BYTES;
  if (view.readUInt16BE(at) !== MAGIC) return null;
  const sentAt = view.readDoubleBE(at + 2);
  return Number.isFinite(sentAt) ? sentAt : null;
}
