import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** The recorder's Prometheus metrics, registered on the server's registry. */
export class RecorderMetrics {
  readonly active: Gauge;
  readonly recordedSeconds: Counter;
  readonly processingLagSeconds: Gauge<'recording'>;
  readonly failures: Counter<'reason'>;
  readonly readyAfterEndSeconds: Histogram;
  readonly composedSeconds: Counter;
  readonly processingSeconds: Counter;
  readonly queueLength: Gauge;

  constructor(registry: Registry, queueLength: () => number) {
    const registers = [registry];
    this.active = new Gauge({ name: 'classbridge_recordings_active', help: 'Lessons being recorded now.', registers });
    this.recordedSeconds = new Counter({ name: 'classbridge_recorded_seconds_total', help: 'Lesson time recorded (composed into replays), in seconds.', registers });
    this.processingLagSeconds = new Gauge({
      name: 'classbridge_recording_processing_lag_seconds',
      help: 'How far composition trails the live lesson, per recording (0 once ready).',
      labelNames: ['recording'],
      registers,
    });
    this.failures = new Counter({
      name: 'classbridge_recording_failures_total',
      help: 'Recordings that stopped or failed, by reason (disk-full, compose, finalize, tap).',
      labelNames: ['reason'],
      registers,
    });
    this.readyAfterEndSeconds = new Histogram({
      name: 'classbridge_recording_ready_after_end_seconds',
      help: 'Time from a lesson end until its replay was ready.',
      buckets: [1, 2, 5, 10, 15, 20, 30, 60, 120, 300],
      registers,
    });
    this.composedSeconds = new Counter({ name: 'classbridge_recording_composed_seconds_total', help: 'Media seconds composed by ffmpeg.', registers });
    this.processingSeconds = new Counter({ name: 'classbridge_recording_processing_seconds_total', help: 'Wall-clock seconds ffmpeg spent composing.', registers });
    this.queueLength = new Gauge({
      name: 'classbridge_recording_queue_jobs',
      help: 'Composition jobs waiting.',
      registers,
      collect() {
        this.set(queueLength());
      },
    });
  }
}
