import { ClassBridgeError, ErrorCode, MAX_REQUEST_BYTES, isRequestMethod, requestSchemas } from '@classbridge/protocol';
import type { RequestData, RequestMethod } from '@classbridge/protocol';

export interface ParsedRequest<M extends RequestMethod = RequestMethod> {
  method: M;
  data: RequestData<M>;
}

/** Validates an incoming request envelope and its data against the shared schema; throws ClassBridgeError. */
const MAX_ERROR_TEXT = 300;

function isPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function parseRequest(envelope: unknown): ParsedRequest {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    throw new ClassBridgeError(ErrorCode.BadRequest, 'a request is an object { method, data }');
  }
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(envelope));
  } catch {
    throw new ClassBridgeError(ErrorCode.BadRequest, 'the request is not JSON');
  }
  if (size > MAX_REQUEST_BYTES) throw new ClassBridgeError(ErrorCode.PayloadTooLarge, `requests are limited to ${MAX_REQUEST_BYTES} bytes`);
  const { method, data } = envelope as { method?: unknown; data?: unknown };
  if (!isRequestMethod(method)) {
    throw new ClassBridgeError(ErrorCode.UnknownMethod, `unknown method ${JSON.stringify(String(method)).slice(0, 80)}`);
  }
  // Binary attachments (Buffers, typed arrays) are objects too, and an empty one would pass for `{}`.
  if (data !== undefined && data !== null && !isPlainObject(data)) throw new ClassBridgeError(ErrorCode.BadRequest, `${method}: data must be a JSON object`);
  const parsed = requestSchemas[method].safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'data';
    // Bounded: zod lists every unknown key, and an answer must never be bigger than the request that caused it.
    throw new ClassBridgeError(ErrorCode.BadRequest, clip(`${method}: ${clip(where, 80)}: ${issue?.message ?? 'invalid'}`, MAX_ERROR_TEXT));
  }
  return { method, data: parsed.data } as ParsedRequest;
}
