import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { ErrorBody } from '@classbridge/protocol';
import type { Metrics } from '../metrics.js';

const statusOf: Partial<Record<ErrorBody['code'], number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  WRONG_LESSON: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LIMIT_EXCEEDED: 409,
  INVALID_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  MEDIA_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function httpStatus(code: ErrorBody['code']): number {
  return statusOf[code] ?? 400;
}

/** Every REST error is `{ error: { code, message } }` with a stable code; internals stay in the log. */
export function errorHandler(logger: Logger, metrics: Metrics): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let body: ErrorBody;
    const status = (error as { status?: number; type?: string }).status;
    const type = (error as { type?: string }).type;
    if (error instanceof ClassBridgeError) body = error.toBody();
    else if (type === 'entity.too.large') body = { code: ErrorCode.PayloadTooLarge, message: 'request body too large' };
    else if (type === 'entity.parse.failed') body = { code: ErrorCode.BadRequest, message: 'request body is not valid JSON' };
    else if (status && status >= 400 && status < 500) body = { code: ErrorCode.BadRequest, message: 'bad request' };
    else {
      body = { code: ErrorCode.Internal, message: 'internal error' };
      logger.error({ method: req.method, path: req.path, err: error instanceof Error ? error.stack : String(error) }, 'REST request failed');
    }
    metrics.restRefusals.inc({ code: body.code });
    if (res.headersSent) {
      // Too late for an error answer (a stream broke midway): end it, never throw.
      res.end();
      return;
    }
    if (body.retryAfterSeconds !== undefined) res.set('Retry-After', String(body.retryAfterSeconds));
    res.status(httpStatus(body.code)).json({ error: body });
  };
}
