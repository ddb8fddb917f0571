import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SfuControl } from '@classbridge/sfu';

/** Prometheus metrics of one signaling process (served at GET /metrics). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'outcome'>;
  readonly requestSeconds: Histogram<'method'>;
  readonly rejectedConnections: Counter<'code'>;
  readonly connectedSockets: Gauge;
  readonly restRefusals: Counter<'code'>;
  readonly uncaughtErrors: Counter<'kind'>;
  readonly webhookDeliveries: Counter<'outcome'>;
  readonly webhookQueue: Gauge;

  /** `networkQuality`: connected participants by their last reported link score (LiveLessonRegistry). */
  constructor(sfu: SfuControl, liveLessons: () => number, networkQuality: () => Map<string, number> = () => new Map()) {
    collectDefaultMetrics({ register: this.registry, prefix: 'classbridge_' });
    new Gauge({
      name: 'classbridge_participants_by_network_quality',
      help: "Connected participants by the link score (0–5) their SDK last reported; score=\"none\": not yet, or nothing to measure. Many at 0–2 in one school: that school's link.",
      labelNames: ['score'],
      registers: [this.registry],
      collect() {
        this.reset();
        const counts = networkQuality();
        for (const score of ['0', '1', '2', '3', '4', '5', 'none']) this.set({ score }, counts.get(score) ?? 0);
      },
    });
    this.requests = new Counter({
      name: 'classbridge_signaling_requests_total',
      help: 'Signaling requests by method and outcome (ok or an error code).',
      labelNames: ['method', 'outcome'],
      registers: [this.registry],
    });
    this.requestSeconds = new Histogram({
      name: 'classbridge_signaling_request_seconds',
      help: 'Time to answer a signaling request.',
      labelNames: ['method'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.rejectedConnections = new Counter({
      name: 'classbridge_signaling_rejected_connections_total',
      help: 'Socket connections refused before reaching a lesson, by error code.',
      labelNames: ['code'],
      registers: [this.registry],
    });
    this.connectedSockets = new Gauge({
      name: 'classbridge_signaling_connected_sockets',
      help: 'Authenticated socket.io connections.',
      registers: [this.registry],
    });
    this.restRefusals = new Counter({
      name: 'classbridge_rest_refusals_total',
      help: 'REST requests answered with an error, by error code (RATE_LIMITED, UNAUTHORIZED…).',
      labelNames: ['code'],
      registers: [this.registry],
    });
    this.uncaughtErrors = new Counter({
      name: 'classbridge_uncaught_errors_total',
      help: 'Errors nothing caught, logged by the process guard while the server kept serving (each is a bug; alert on any).',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    this.webhookDeliveries = new Counter({
      name: 'classbridge_webhook_deliveries_total',
      help: 'Webhook deliveries by outcome: delivered, failed (refused for good or out of attempts), dropped (queue full), retried (an attempt to be repeated).',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.webhookQueue = new Gauge({
      name: 'classbridge_webhook_queue',
      help: 'Webhook deliveries not yet delivered, failed or dropped (waiting, backing off or in flight).',
      registers: [this.registry],
    });
    new Gauge({
      name: 'classbridge_live_lessons',
      help: 'Lessons with live state in this process.',
      registers: [this.registry],
      collect() {
        this.set(liveLessons());
      },
    });
    // One sfu.stats() per scrape serves both gauges below (in a cluster it asks every node): the
    // registry collects them together, so the second reuses the first's call while it is in flight.
    let statsInFlight: ReturnType<SfuControl['stats']> | null = null;
    const sfuStats = () => (statsInFlight ??= sfu.stats().finally(() => (statsInFlight = null)));
    const sfuGauge = new Gauge({
      name: 'classbridge_sfu_objects',
      help: 'mediasoup objects by type (workers, rooms, peers, transports, producers, consumers, node-to-node pipes) and worker restarts.',
      labelNames: ['type'],
      registers: [this.registry],
      async collect() {
        const { workerCpuSeconds: _cpu, ...objects } = await sfuStats();
        for (const [type, value] of Object.entries(objects)) this.set({ type }, value);
      },
    });
    void sfuGauge;
    const cpuGauge = new Gauge({
      name: 'classbridge_sfu_worker_cpu_seconds',
      help: 'CPU seconds (user + system) the mediasoup workers have used; rate() is cores busy forwarding media. Drops when a worker restarts.',
      registers: [this.registry],
      async collect() {
        this.set((await sfuStats()).workerCpuSeconds);
      },
    });
    void cpuGauge;
  }
}
