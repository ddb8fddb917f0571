import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Socket } from 'socket.io';
import type { Logger } from 'pino';
import { ClassBridgeError, ErrorCode, NOTIFICATION_EVENT, REQUEST_EVENT } from '@classbridge/protocol';
import type { AccessClaims, Ack, ErrorBody } from '@classbridge/protocol';
import type { TokenService, VerifiedToken } from '../auth/TokenService.js';
import type { LiveLessonRegistry } from '../live/LiveLessonRegistry.js';
import type { LessonChannel } from '../live/LessonChannel.js';
import type { Metrics } from '../metrics.js';
import type { ClientBudgets } from '../limits/ClientBudgets.js';
import { RateLimiter } from '../limits/RateLimiter.js';
import type { RateBudget } from '../limits/RateLimiter.js';
import { clientAddress } from '../limits/clientAddress.js';
import type { LessonSessions } from '../routing/LessonSessions.js';
import { parseRequest } from './parseRequest.js';

/** Frames larger than this close the connection inside engine.io; requests above MAX_REQUEST_BYTES get an error ack. */
const MAX_FRAME_BYTES = 64 * 1024;
/** setTimeout's ceiling; tokens live hours, so this only guards against a bad clock. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SocketGatewayOptions {
  tokens: TokenService;
  registry: LiveLessonRegistry;
  /** Where each connection's requests are answered (this process, or the lesson's owner in a cluster). */
  sessions: LessonSessions;
  metrics: Metrics;
  logger: Logger;
  /** Per-socket message budget. */
  rateLimit: RateBudget;
  budgets: ClientBudgets;
  trustProxyHops: number;
  /** Origins allowed to use the polling transport from a browser (websocket needs no CORS). */
  corsOrigins: string[];
}

interface SocketData {
  claims: AccessClaims;
  expiresAtMs: number;
  address: string;
}

type Reply = (answer: Ack<unknown>) => void;

/**
 * The socket.io side of signaling: authenticates sockets before they can touch a
 * lesson, keeps each address and participant within its budgets, validates and
 * rate-limits every request, and answers each one that asks with exactly one
 * acknowledgement.
 */
export class SocketGateway {
  readonly io: Server;
  readonly #options: SocketGatewayOptions;

  constructor(httpServer: HttpServer, options: SocketGatewayOptions) {
    this.#options = options;
    this.io = new Server(httpServer, {
      maxHttpBufferSize: MAX_FRAME_BYTES,
      serveClient: false,
      pingInterval: 10_000,
      pingTimeout: 8_000,
      ...(options.corsOrigins.length > 0 ? { cors: { origin: options.corsOrigins } } : {}),
    });
    this.io.use((socket, next) => {
      this.#admit(socket).then(
        () => next(),
        (error: unknown) => {
          const body = toErrorBody(error);
          options.metrics.rejectedConnections.inc({ code: body.code });
          const refusal = new Error(body.message) as Error & { data: ErrorBody };
          refusal.data = body;
          next(refusal);
        },
      );
    });
    this.io.on('connection', (socket) => this.#onConnection(socket));
  }

  /** A channel to reach one lesson's sockets. */
  channelFor(lessonId: string): LessonChannel {
    const io = this.io;
    const room = lessonRoom(lessonId);
    return {
      broadcast: (method, data) => io.to(room).emit(NOTIFICATION_EVENT, { method, data }),
      send: (connectionId, method, data) => io.to(connectionId).emit(NOTIFICATION_EVENT, { method, data }),
      addMember: (connectionId) => io.in(connectionId).socketsJoin(room),
      removeMember: (connectionId) => io.in(connectionId).socketsLeave(room),
      disconnect: (connectionId) => io.in(connectionId).disconnectSockets(true),
      disconnectAll: (exceptConnectionId) => {
        const everyone = io.in(tokenHoldersRoom(lessonId));
        (exceptConnectionId === undefined ? everyone : everyone.except(exceptConnectionId)).disconnectSockets(true);
      },
    };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }

  /**
   * Lets a socket in, or throws why not: the address's budgets, the token, the lesson
   * (it must exist and not have ended) and the participant's socket cap, in that order.
   */
  async #admit(socket: Socket): Promise<void> {
    const { budgets, registry, trustProxyHops } = this.#options;
    const address = clientAddress(socket.handshake.address, socket.handshake.headers['x-forwarded-for'], trustProxyHops);
    // An address that keeps presenting bad tokens waits, whatever it presents next.
    budgets.authFailures.assertAvailable(address);
    budgets.connects.consume(address);
    const auth = (socket.handshake.auth ?? {}) as { token?: unknown; lessonId?: unknown };
    const { claims, expiresAtMs } = this.#verify(auth.token, address);
    // A client that says which lesson it wants must hold a token for that lesson.
    if (auth.lessonId !== undefined && auth.lessonId !== claims.lessonId) {
      throw new ClassBridgeError(ErrorCode.WrongLesson, 'this token is for another lesson');
    }
    await registry.assertJoinable(claims.lessonId);
    // Last, and with no await after it: the check and the count are one step.
    const participantKey = `${claims.lessonId}/${claims.sub}`;
    if (!budgets.openSocket(participantKey)) {
      throw new ClassBridgeError(ErrorCode.LimitExceeded, `at most ${budgets.maxSocketsPerParticipant} connections per participant`);
    }
    // Released when the transport closes, whether or not the socket ever reached 'connection'.
    socket.conn.once('close', () => budgets.closeSocket(participantKey));
    Object.assign(socket.data as SocketData, { claims, expiresAtMs, address } satisfies SocketData);
  }

  /** Verifies a token; a refusal spends the address's budget of refused connections. */
  #verify(token: unknown, address: string): VerifiedToken {
    try {
      return this.#options.tokens.verify(token);
    } catch (error) {
      this.#options.budgets.authFailures.take(address);
      throw error;
    }
  }

  #onConnection(socket: Socket): void {
    const { logger, metrics, rateLimit, sessions, registry, budgets } = this.#options;
    const { claims, expiresAtMs, address } = socket.data as SocketData;
    const log = logger.child({ socketId: socket.id, lessonId: claims.lessonId, participantId: claims.sub, role: claims.role });
    const session = sessions.open({
      connectionId: socket.id,
      claims,
      expiresAtMs,
      // Told first, on this socket, so the client knows to reconnect rather than stop.
      disconnect: (reason) => {
        socket.emit(NOTIFICATION_EVENT, { method: 'lessonMoved', data: { reason } });
        socket.disconnect(true);
      },
    });
    const limiter = new RateLimiter(rateLimit.burst, rateLimit.perSecond);
    // Every token holder of the lesson, joined or not: ending the lesson drops them all.
    void socket.join(tokenHoldersRoom(claims.lessonId));
    // The lesson may have ended while this socket was being admitted, before it was in that room.
    registry.assertJoinable(claims.lessonId).catch(() => socket.disconnect(true));
    metrics.connectedSockets.inc();
    log.debug('socket connected');

    // The session ends when its token does.
    const expiry = setTimeout(() => {
      log.info('access token expired; closing the connection');
      socket.emit(NOTIFICATION_EVENT, { method: 'removed', data: { reason: 'token-expired' } });
      socket.disconnect(true);
    }, Math.min(MAX_TIMER_MS, Math.max(0, expiresAtMs - Date.now())));

    const admit = (): void => {
      if (!limiter.take()) throw new ClassBridgeError(ErrorCode.RateLimited, 'too many requests; slow down', { retryAfterSeconds: Math.max(1, limiter.retryAfterSeconds()) });
      budgets.requests.consume(address);
    };

    socket.on(REQUEST_EVENT, async (...args: unknown[]) => {
      // The acknowledgement, if any, is always the last argument; whatever else arrives gets exactly one answer.
      const reply: Reply = typeof args.at(-1) === 'function' ? (args.pop() as Reply) : () => undefined;
      const started = process.hrtime.bigint();
      let method = 'invalid';
      try {
        admit();
        if (args.length !== 1) throw new ClassBridgeError(ErrorCode.BadRequest, 'a request is one { method, data } object followed by an acknowledgement');
        const request = parseRequest(args[0]);
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
      if (session.closeAfterReply) socket.disconnect(true);
    });

    // Any other event name is not part of the protocol: say so if the sender waits for an answer.
    socket.onAny((event: string, ...args: unknown[]) => {
      if (event === REQUEST_EVENT) return;
      const ack = args.at(-1);
      let error: ErrorBody = { code: ErrorCode.UnknownMethod, message: `unknown event; send "${REQUEST_EVENT}"` };
      try {
        admit();
      } catch (refusal) {
        error = toErrorBody(refusal);
      }
      metrics.requests.inc({ method: 'invalid', outcome: error.code });
      if (typeof ack === 'function') (ack as Reply)({ ok: false, error });
    });

    socket.on('disconnect', (reason) => {
      clearTimeout(expiry);
      metrics.connectedSockets.dec();
      log.debug({ reason }, 'socket disconnected');
      session.close().catch((error: unknown) => log.error({ err: String(error) }, 'leave after disconnect failed'));
    });
  }
}

function lessonRoom(lessonId: string): string {
  return `lesson:${lessonId}`;
}

function tokenHoldersRoom(lessonId: string): string {
  return `lesson-tokens:${lessonId}`;
}

/** Known errors keep their code; anything else becomes INTERNAL with no details leaked. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof ClassBridgeError) return error.toBody();
  return { code: ErrorCode.Internal, message: 'internal error' };
}
