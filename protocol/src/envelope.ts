import type { ErrorBody } from './errors.js';

/** socket.io event names. */
export const REQUEST_EVENT = 'request';
export const NOTIFICATION_EVENT = 'notification';

/** Largest accepted request, in bytes of its JSON form. Simulcast RTP parameters are ~3 KiB. */
export const MAX_REQUEST_BYTES = 32 * 1024;

export interface RequestEnvelope {
  method: string;
  data?: unknown;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
