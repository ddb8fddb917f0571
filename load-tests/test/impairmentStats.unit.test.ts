import { DELAY_SAMPLE_WINDOW, DirectionCounters } from '../src/impairment/index.js';

describe('DirectionCounters', () => {
  it('counts packets, bytes, drops by reason and delay', () => {
    const counters = new DirectionCounters();
    for (let i = 0; i < 4; i++) counters.received(100);
    counters.droppedFor('loss');
    counters.accepted();
    counters.accepted();
    counters.accepted();
    counters.forwarded(100, 10, 2);
    counters.forwarded(100, 30, 4);
    expect(counters.snapshot()).toEqual({
      packetsIn: 4,
      bytesIn: 400,
      packetsForwarded: 2,
      bytesForwarded: 200,
      dropped: { loss: 1, queue: 0, outage: 0, clients: 0 },
      sendErrors: 0,
      inFlight: 1,
      delayMs: { count: 2, mean: 20, min: 10, max: 30, p50: 10, p95: 30, meanQueueDelay: 3 },
    });
    counters.abandoned('outage');
    expect(counters.snapshot().dropped.outage).toBe(1);
    expect(counters.snapshot().inFlight).toBe(0);
  });

  it('reports zeros before any packet, and resets all but what is in flight', () => {
    const counters = new DirectionCounters();
    expect(counters.snapshot().delayMs).toEqual({ count: 0, mean: 0, min: 0, max: 0, p50: 0, p95: 0, meanQueueDelay: 0 });
    counters.received(10);
    counters.accepted();
    counters.reset();
    const after = counters.snapshot();
    expect(after.packetsIn).toBe(0);
    expect(after.inFlight).toBe(1);
  });

  it('takes percentiles over the most recent window only', () => {
    const counters = new DirectionCounters();
    for (let i = 0; i < DELAY_SAMPLE_WINDOW; i++) {
      counters.accepted();
      counters.forwarded(1, 1000, 0);
    }
    for (let i = 0; i < DELAY_SAMPLE_WINDOW; i++) {
      counters.accepted();
      counters.forwarded(1, 5, 0);
    }
    const { delayMs } = counters.snapshot();
    expect(delayMs.p95).toBe(5);
    expect(delayMs.max).toBe(1000);
    expect(delayMs.mean).toBeCloseTo(502.5, 6);
  });
});
