import type { ServerLimits } from '../config.js';
import { KeyedRateLimiter } from './KeyedRateLimiter.js';

/**
 * The per-address and per-participant budgets one server keeps, shared by the
 * socket gateway and the REST API (an address guessing admin keys is the same
 * address opening sockets).
 */
export class ClientBudgets {
  readonly connects: KeyedRateLimiter;
  readonly authFailures: KeyedRateLimiter;
  readonly requests: KeyedRateLimiter;
  readonly rest: KeyedRateLimiter;
  readonly adminAuthFailures: KeyedRateLimiter;
  readonly maxSocketsPerParticipant: number;
  readonly #openSockets = new Map<string, number>();

  constructor(limits: ServerLimits) {
    this.connects = new KeyedRateLimiter(limits.connectsPerIp, 'connection attempts from your address');
    this.authFailures = new KeyedRateLimiter(limits.authFailuresPerIp, 'refused connections from your address');
    this.requests = new KeyedRateLimiter(limits.requestsPerIp, 'requests from your address');
    this.rest = new KeyedRateLimiter(limits.restPerIp, 'API requests from your address');
    this.adminAuthFailures = new KeyedRateLimiter(limits.adminAuthFailuresPerIp, 'wrong API keys from your address');
    this.maxSocketsPerParticipant = limits.maxSocketsPerParticipant;
  }

  /**
   * Counts a socket against its participant's cap; false when the cap is reached.
   * Synchronous check-and-increment, so concurrent connections cannot overshoot it.
   */
  openSocket(participantKey: string): boolean {
    const open = this.#openSockets.get(participantKey) ?? 0;
    if (open >= this.maxSocketsPerParticipant) return false;
    this.#openSockets.set(participantKey, open + 1);
    return true;
  }

  closeSocket(participantKey: string): void {
    const open = (this.#openSockets.get(participantKey) ?? 0) - 1;
    if (open > 0) this.#openSockets.set(participantKey, open);
    else this.#openSockets.delete(participantKey);
  }

  /** Participants with open sockets (memory check in tests). */
  get participantsTracked(): number {
    return this.#openSockets.size;
  }
}
