import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** Prometheus metrics of the caption service and the echo guard (both fed by the caption worker), registered on the server's registry. */
export class CaptionMetrics {
  readonly streams: Gauge;
  readonly lagSeconds: Histogram;
  readonly maxLagSeconds: Gauge;
  readonly captions: Counter<'kind'>;
  readonly errors: Counter<'code'>;
  readonly workerRestarts: Counter;
  readonly echoDetections: Counter;
  readonly echoLeaking: Gauge;
  /** The latest lag reported per stream, for the max gauge. */
  readonly #lagByStream = new Map<string, number>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.streams = new Gauge({ name: 'classbridge_caption_streams', help: 'Microphones being captioned now.', registers });
    this.lagSeconds = new Histogram({
      name: 'classbridge_caption_lag_seconds',
      help: 'How far speech recognition trails the audio it was given, per engine answer.',
      buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 10],
      registers,
    });
    this.maxLagSeconds = new Gauge({ name: 'classbridge_caption_max_lag_seconds', help: 'The largest current recognition lag over all captioned microphones.', registers });
    this.captions = new Counter({ name: 'classbridge_captions_total', help: 'Captions published, by kind (partial, final).', labelNames: ['kind'], registers });
    this.errors = new Counter({
      name: 'classbridge_caption_errors_total',
      help: 'Caption failures by code (ASR_MODEL_UNUSABLE, ASR_UNAVAILABLE, ASR_TIMEOUT, ASR_CRASHED, TAP, ...).',
      labelNames: ['code'],
      registers,
    });
    this.workerRestarts = new Counter({ name: 'classbridge_caption_worker_restarts_total', help: 'Times the caption worker process died and was started again.', registers });
    this.echoDetections = new Counter({
      name: 'classbridge_echo_detections_total',
      help: "Times the echo guard found a classroom's microphone carrying the teacher back (its loudspeakers leaking past the echo canceller).",
      registers,
    });
    this.echoLeaking = new Gauge({ name: 'classbridge_echo_leaking_microphones', help: 'Classroom microphones leaking the teacher back now.', registers });
  }

  observeLag(streamId: string, lagMs: number): void {
    this.lagSeconds.observe(lagMs / 1000);
    this.#lagByStream.set(streamId, lagMs);
    this.#updateMax();
  }

  streamClosed(streamId: string): void {
    this.#lagByStream.delete(streamId);
    this.#updateMax();
  }

  #updateMax(): void {
    let max = 0;
    for (const lag of this.#lagByStream.values()) max = Math.max(max, lag);
    this.maxLagSeconds.set(max / 1000);
  }
}
