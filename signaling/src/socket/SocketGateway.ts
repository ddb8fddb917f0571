import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Socket } from 'socket.io';
import type { Logger } from 'pino';
import { ClassBridgeError, ErrorCode, NOTIFICATION_EVENT, REQUEST_EVENT } from '@classbridge/protocol';
import type { AccessClaims, Ack, ErrorBody } from '@classbridge/protocol';
import type { SfuControl } from '@classbridge/sfu';
import type { TokenService } from '../auth/TokenService.js';
import type { LiveLessonRegistry } from '../live/LiveLessonRegistry.js';
import type { LessonChannel } from '../live/LessonChannel.js';
import type { Metrics } from '../metrics.js';
import { ParticipantSession } from './ParticipantSession.js';
import { RateLimiter } from './RateLimiter.js';
import { parseRequest } from './parseRequest.js';

/** Frames larger than this close the connection inside engine.io; requests above MAX_REQUEST_BYTES get an error ack. */
const MAX_FRAME_BYTES = 64 * 1024;

export interface SocketGatewayOptions {
  tokens: TokenService;
  sfu: SfuControl;
  metrics: Metrics;
  logger: Logger;
  rateLimit: { burst: number; perSecond: number };
}

interface SocketData {
  claims: AccessClaims;
}

/**
 * The socket.io side of signaling: authenticates sockets before they can touch a
 * lesson, validates and rate-limits every request, and answers with acknowledgements.
 */
export class SocketGateway {
  readonly io: Server;
  readonly #options: SocketGatewayOptions;
  #registry: LiveLessonRegistry | undefined;

  constructor(httpServer: HttpServer, options: SocketGatewayOptions) {
    this.#options = options;
    this.io = new Server(httpServer, { maxHttpBufferSize: MAX_FRAME_BYTES, serveClient: false, pingInterval: 10_000, pingTimeout: 8_000 });
    this.io.use((socket, next) => {
      try {
        const auth = (socket.handshake.auth ?? {}) as { token?: unknown; lessonId?: unknown };
        const claims = options.tokens.verify(auth.token);
        // A client that says which lesson it wants must hold a token for that lesson.
        if (auth.lessonId !== undefined && auth.lessonId !== claims.lessonId) {
          throw new ClassBridgeError(ErrorCode.WrongLesson, 'this token is for another lesson');
        }
        (socket.data as SocketData).claims = claims;
        next();
      } catch (error) {
        const body = toErrorBody(error);
        options.metrics.rejectedConnections.inc({ code: body.code });
        const refusal = new Error(body.message) as Error & { data: ErrorBody };
        refusal.data = body;
        next(refusal);
      }
    });
  }

  /** A channel to reach one lesson's sockets. */
  channelFor(lessonId: string): LessonChannel {
    const io = this.io;
    const room = lessonRoom(lessonId);
    return {
      broadcast: (method, data) => io.to(room).emit(NOTIFICATION_EVENT, { method, data }),
      send: (connectionId, method, data) => io.to(connectionId).emit(NOTIFICATION_EVENT, { method, data }),
      disconnect: (connectionId) => io.in(connectionId).disconnectSockets(true),
    };
  }

  /** Starts serving requests; the registry is created with this gateway's channels, hence the late binding. */
  attach(registry: LiveLessonRegistry): void {
    this.#registry = registry;
    this.io.on('connection', (socket) => this.#onConnection(socket));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }

  #onConnection(socket: Socket): void {
    const { logger, metrics, rateLimit, sfu } = this.#options;
    const claims = (socket.data as SocketData).claims;
    const log = logger.child({ socketId: socket.id, lessonId: claims.lessonId, participantId: claims.sub, role: claims.role });
    const room = lessonRoom(claims.lessonId);
    const session = new ParticipantSession(socket.id, claims, this.#registry!, sfu, {
      joined: () => void socket.join(room),
      left: () => void socket.leave(room),
    });
    const limiter = new RateLimiter(rateLimit.burst, rateLimit.perSecond);
    metrics.connectedSockets.inc();
    log.debug('socket connected');

    socket.on(REQUEST_EVENT, async (envelope: unknown, ack: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (answer: Ack<unknown>) => void) : () => undefined;
      const started = process.hrtime.bigint();
      let method = 'invalid';
      try {
        if (!limiter.take()) throw new ClassBridgeError(ErrorCode.RateLimited, 'too many requests; slow down');
        const request = parseRequest(envelope);
        method = request.method;
        const data = await session.handle(request);
        metrics.requests.inc({ method, outcome: 'ok' });
        reply({ ok: true, data });
      } catch (error) {
        const body = toErrorBody(error);
        metrics.requests.inc({ method, outcome: body.code });
        if (body.code === ErrorCode.Internal) log.error({ method, err: error instanceof Error ? error.stack : String(error) }, 'request failed');
        else log.debug({ method, code: body.code }, 'request rejected');
        reply({ ok: false, error: body });
      } finally {
        metrics.requestSeconds.observe({ method }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    });

    // Any other event name is not part of the protocol: say so if the sender waits for an answer.
    socket.onAny((event: string, ...args: unknown[]) => {
      if (event === REQUEST_EVENT) return;
      const ack = args.at(-1);
      const error = limiter.take()
        ? { code: ErrorCode.UnknownMethod, message: `unknown event; send "${REQUEST_EVENT}"` }
        : { code: ErrorCode.RateLimited, message: 'too many requests; slow down' };
      metrics.requests.inc({ method: 'invalid', outcome: error.code });
      if (typeof ack === 'function') ack({ ok: false, error });
    });

    socket.on('disconnect', (reason) => {
      metrics.connectedSockets.dec();
      log.debug({ reason }, 'socket disconnected');
      session.close().catch((error: unknown) => log.error({ err: String(error) }, 'leave after disconnect failed'));
    });
  }
}

function lessonRoom(lessonId: string): string {
  return `lesson:${lessonId}`;
}

/** Known errors keep their code; anything else becomes INTERNAL with no details leaked. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof ClassBridgeError) return error.toBody();
  return { code: ErrorCode.Internal, message: 'internal error' };
}
