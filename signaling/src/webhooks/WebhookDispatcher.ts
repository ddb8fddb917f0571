import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Counter, Gauge } from 'prom-client';
import type { LessonEventBus } from '@classbridge/protocol';
import { DeliveryLog } from './DeliveryLog.js';
import { displayUrl } from './displayUrl.js';
import { httpTransport } from './httpTransport.js';
import type { WebhookTransport } from './httpTransport.js';
import { describeAttempt, retryDelayMs, verdictOf } from './retryPolicy.js';
import type { AttemptResult, RetryPolicy } from './retryPolicy.js';
import type { DeliveryRecord, DeliveryState } from './schemas.js';
import { signWebhook } from './signature.js';
import { webhookUserAgent } from './userAgent.js';
import { webhookEventOf } from './webhookEvents.js';
import type { WebhookEvent, WebhookEventType, WebhookPayload } from './webhookEvents.js';

export interface WebhookMetrics {
  /** By outcome: delivered, failed, dropped, retried. */
  webhookDeliveries: Counter<'outcome'>;
  /** Deliveries not yet delivered, failed or dropped. */
  webhookQueue: Gauge;
}

export interface WebhookDispatcherOptions {
  urls: readonly string[];
  secret: string;
  /** Types sent; others are ignored. */
  events: readonly WebhookEventType[];
  timeoutMs: number;
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  retry: RetryPolicy;
  logger: Logger;
  metrics: WebhookMetrics;
  /** Deliveries waiting at most; beyond it the oldest waiting one is dropped. */
  maxQueue?: number;
  /** Deliveries the log remembers. */
  logSize?: number;
  /** Attempts in flight per endpoint, so one slow endpoint does not hold up the others. */
  concurrencyPerEndpoint?: number;
  transport?: WebhookTransport;
  random?: () => number;
}

interface Endpoint {
  url: string;
  /** For logs and the delivery log. */
  shown: string;
  /** Due now, oldest first. */
  ready: Set<Delivery>;
  inFlight: number;
}

/** One event on its way to one endpoint. */
interface Delivery {
  record: DeliveryRecord;
  endpoint: Endpoint;
  /** Serialized once: every retry sends the same bytes (signed afresh with the time of sending). */
  body: string;
  inFlight: boolean;
  retryTimer: NodeJS.Timeout | undefined;
}

const DROP_WARNING_INTERVAL_MS = 60_000;

/**
 * Sends lesson events to the platform's endpoints, signed, with retries. Publishing
 * never waits for it: the bus calls `enqueue` synchronously, which only queues.
 * Memory is bounded by `maxQueue` deliveries and the log's size.
 */
export class WebhookDispatcher {
  /** The last deliveries (GET /api/webhooks/deliveries). */
  readonly deliveries: DeliveryLog;
  readonly #options: Required<Omit<WebhookDispatcherOptions, 'urls' | 'events' | 'logSize'>>;
  readonly #events: ReadonlySet<WebhookEventType>;
  readonly #endpoints: Endpoint[];
  /** Every delivery not yet settled (waiting, backing off or in flight), oldest first. */
  readonly #unsettled = new Set<Delivery>();
  readonly #closing = new AbortController();
  #unsubscribe: (() => void) | undefined;
  #closed = false;
  #droppedSinceWarning = 0;
  #lastDropWarningAt = -Infinity;

  constructor({ urls, events, logSize = 1_000, ...options }: WebhookDispatcherOptions) {
    this.#options = { maxQueue: 10_000, concurrencyPerEndpoint: 4, transport: httpTransport, random: Math.random, ...options };
    this.#events = new Set(events);
    this.#endpoints = urls.map((url) => ({ url, shown: displayUrl(url), ready: new Set(), inFlight: 0 }));
    this.deliveries = new DeliveryLog(logSize);
    // Every outcome shows up on dashboards from the start, at 0.
    for (const outcome of ['delivered', 'failed', 'dropped', 'retried']) options.metrics.webhookDeliveries.inc({ outcome }, 0);
    options.metrics.webhookQueue.set(0);
    options.logger.info({ endpoints: this.#endpoints.map((endpoint) => endpoint.shown), events: [...this.#events] }, 'webhooks on');
  }

  /** Sends what happens in lessons from now on; close() stops following. */
  follow(bus: LessonEventBus): void {
    this.#unsubscribe?.();
    this.#unsubscribe = bus.subscribe((event) => {
      const webhook = webhookEventOf(event);
      if (webhook) this.enqueue(webhook);
    });
  }

  /** Queues the event for every endpoint and returns at once (attempts it starts complete in the background). */
  enqueue(event: WebhookEvent): void {
    if (this.#closed || !this.#events.has(event.type)) return;
    for (const endpoint of this.#endpoints) {
      const id = randomUUID();
      // Keys in a fixed order, so the body reads the same in every receiver's log.
      const payload: WebhookPayload = { id, type: event.type, createdAt: event.createdAt, lessonId: event.lessonId, data: event.data } as WebhookPayload;
      const delivery: Delivery = {
        record: {
          id,
          type: event.type,
          lessonId: event.lessonId,
          url: endpoint.shown,
          state: 'pending',
          attempts: 0,
          lastStatus: null,
          lastError: null,
          createdAt: event.createdAt,
          lastAttemptAt: null,
          nextAttemptAt: new Date().toISOString(),
          settledAt: null,
        },
        endpoint,
        body: JSON.stringify(payload),
        inFlight: false,
        retryTimer: undefined,
      };
      this.deliveries.add(delivery.record);
      this.#unsettled.add(delivery);
      endpoint.ready.add(delivery);
      this.#dropBeyondBound();
      this.#pump(endpoint);
    }
    this.#options.metrics.webhookQueue.set(this.#unsettled.size);
  }

  /** Stops retries and following events; what is still pending is abandoned (logged, not sent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    this.#closing.abort();
    for (const delivery of this.#unsettled) clearTimeout(delivery.retryTimer);
    const abandoned = this.#unsettled.size;
    this.#unsettled.clear();
    for (const endpoint of this.#endpoints) endpoint.ready.clear();
    this.#options.metrics.webhookQueue.set(0);
    if (abandoned > 0) this.#options.logger.warn({ abandoned }, 'webhooks closed; pending deliveries abandoned');
    else this.#options.logger.info('webhooks closed');
  }

  #pump(endpoint: Endpoint): void {
    for (const delivery of endpoint.ready) {
      if (endpoint.inFlight >= this.#options.concurrencyPerEndpoint) return;
      endpoint.ready.delete(delivery);
      void this.#attempt(delivery);
    }
  }

  async #attempt(delivery: Delivery): Promise<void> {
    const { record, endpoint, body } = delivery;
    const { secret, timeoutMs, transport, logger } = this.#options;
    delivery.inFlight = true;
    endpoint.inFlight++;
    record.attempts++;
    record.lastAttemptAt = new Date().toISOString();
    record.nextAttemptAt = null;
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': webhookUserAgent,
      'ClassBridge-Event': record.type,
      'ClassBridge-Delivery': record.id,
      'ClassBridge-Signature': signWebhook(secret, body, Math.floor(Date.now() / 1000)),
    };
    let result: AttemptResult;
    try {
      result = await transport({ url: endpoint.url, body, headers, timeoutMs, signal: this.#closing.signal });
    } catch (error) {
      // Transports report failures as results; this is a bug, and must not stall the queue.
      logger.error({ id: record.id, err: error instanceof Error ? error.stack : String(error) }, 'webhook transport threw');
      result = { error: 'internal error' };
    }
    delivery.inFlight = false;
    endpoint.inFlight--;
    if (this.#closed) return;
    record.lastStatus = 'status' in result ? result.status : null;
    record.lastError = describeAttempt(result);
    const verdict = verdictOf(result);
    const context = { id: record.id, type: record.type, lessonId: record.lessonId, url: endpoint.shown, attempts: record.attempts, status: record.lastStatus, error: record.lastError };
    if (verdict === 'delivered') {
      this.#settle(delivery, 'delivered');
      logger.debug(context, 'webhook delivered');
    } else if (verdict === 'retry' && record.attempts < this.#options.maxAttempts) {
      this.#scheduleRetry(delivery, 'retryAfterSeconds' in result ? result.retryAfterSeconds : undefined);
      logger.debug({ ...context, nextAttemptAt: record.nextAttemptAt }, 'webhook attempt failed; will retry');
    } else {
      this.#settle(delivery, 'failed');
      logger.warn(context, 'webhook delivery failed');
    }
    this.#pump(endpoint);
  }

  #scheduleRetry(delivery: Delivery, retryAfterSeconds: number | undefined): void {
    const delay = retryDelayMs(delivery.record.attempts, this.#options.retry, this.#options.random, retryAfterSeconds);
    delivery.record.nextAttemptAt = new Date(Date.now() + delay).toISOString();
    delivery.retryTimer = setTimeout(() => {
      delivery.retryTimer = undefined;
      delivery.endpoint.ready.add(delivery);
      this.#pump(delivery.endpoint);
    }, delay);
    // Only close() ends pending retries; they must not keep a stopping process alive either.
    delivery.retryTimer.unref();
    this.#options.metrics.webhookDeliveries.inc({ outcome: 'retried' });
  }

  #settle(delivery: Delivery, state: Exclude<DeliveryState, 'pending'>): void {
    delivery.record.state = state;
    delivery.record.settledAt = new Date().toISOString();
    delivery.record.nextAttemptAt = null;
    this.#unsettled.delete(delivery);
    this.#options.metrics.webhookDeliveries.inc({ outcome: state });
    this.#options.metrics.webhookQueue.set(this.#unsettled.size);
  }

  /** Past maxQueue the oldest delivery not in flight goes: a receiver down for hours must not fill memory. */
  #dropBeyondBound(): void {
    if (this.#unsettled.size <= this.#options.maxQueue) return;
    for (const delivery of this.#unsettled) {
      if (delivery.inFlight) continue;
      clearTimeout(delivery.retryTimer);
      delivery.endpoint.ready.delete(delivery);
      this.#settle(delivery, 'dropped');
      this.#warnOfDrops();
      if (this.#unsettled.size <= this.#options.maxQueue) return;
    }
  }

  /** One warning a minute at most, with the count since the last one. */
  #warnOfDrops(): void {
    this.#droppedSinceWarning++;
    const now = Date.now();
    if (now - this.#lastDropWarningAt < DROP_WARNING_INTERVAL_MS) return;
    this.#options.logger.warn({ dropped: this.#droppedSinceWarning, maxQueue: this.#options.maxQueue }, 'webhook queue full; oldest pending deliveries dropped');
    this.#droppedSinceWarning = 0;
    this.#lastDropWarningAt = now;
  }
}
