import { ImpairedLink, resolveRelayConditions } from '../src/impairment/index.js';
import type { LinkVerdict } from '../src/impairment/index.js';

const delivered = (verdict: LinkVerdict): number => (verdict.drop === null ? verdict.deliverAtMs : Number.NaN);

describe('ImpairedLink', () => {
  it('passes everything at once when perfect', () => {
    const link = new ImpairedLink();
    for (let t = 0; t < 100; t++) expect(link.admit(t, 1200)).toEqual({ drop: null, deliverAtMs: t, queueDelayMs: 0 });
  });

  it('drops during an outage for its reason, and delivers again after it', () => {
    const link = new ImpairedLink({ delayMs: 20 });
    link.outages.addFor(100, 50);
    expect(delivered(link.admit(99, 100))).toBe(119);
    expect(link.admit(100, 100)).toEqual({ drop: 'outage' });
    expect(link.admit(149, 100)).toEqual({ drop: 'outage' });
    expect(delivered(link.admit(150, 100))).toBe(170);
    expect(link.isDown(120)).toBe(false); // pruned windows stay gone
  });

  it('labels loss and queue drops', () => {
    const lossy = new ImpairedLink({ loss: 1 });
    expect(lossy.admit(0, 100)).toEqual({ drop: 'loss' });
    const capped = new ImpairedLink({ rateKbps: 8, queueBytes: 3000 }); // 1 byte/ms
    expect(capped.admit(0, 3000).drop).toBeNull();
    expect(capped.admit(0, 1)).toEqual({ drop: 'queue' });
  });

  it('adds delay after the queue', () => {
    const link = new ImpairedLink({ rateKbps: 800, queueBytes: 10_000, delayMs: 40 }); // 100 bytes/ms
    expect(link.admit(0, 1000)).toEqual({ drop: null, deliverAtMs: 50, queueDelayMs: 10 });
    expect(link.admit(0, 1000)).toEqual({ drop: null, deliverAtMs: 60, queueDelayMs: 20 });
  });

  it('loses the configured share and reproduces it from the seed', () => {
    const run = (seed: number) => {
      const link = new ImpairedLink({ loss: 0.1 }, seed);
      return Array.from({ length: 20_000 }, (_, t) => link.admit(t, 100).drop === 'loss');
    };
    const drops = run(3);
    const rate = drops.filter(Boolean).length / drops.length;
    expect(rate).toBeGreaterThan(0.09);
    expect(rate).toBeLessThan(0.11);
    expect(run(3)).toEqual(drops);
    expect(run(4)).not.toEqual(drops);
  });

  it('keeps the loss pattern when jitter is switched on (separate random streams)', () => {
    const pattern = (jitterMs: number) => {
      const link = new ImpairedLink({ loss: 0.2, delayMs: 50, jitterMs }, 8);
      return Array.from({ length: 1000 }, (_, t) => link.admit(t, 100).drop);
    };
    expect(pattern(30)).toEqual(pattern(0));
  });

  it('replaces all conditions on configure, keeping backlog and order', () => {
    const link = new ImpairedLink({ rateKbps: 800, queueBytes: 10_000, delayMs: 100 });
    expect(delivered(link.admit(0, 5000))).toBe(150); // 50 ms serialising + 100 ms
    link.configure({ delayMs: 10, rateKbps: 800, queueBytes: 10_000 }, 0);
    expect(link.conditions).toEqual({ delayMs: 10, rateKbps: 800, queueBytes: 10_000 });
    // Still behind the 5000 bytes queued, and not before the earlier packet.
    expect(delivered(link.admit(0, 1000))).toBe(150);
    link.configure({}, 200);
    expect(link.conditions).toEqual({});
    expect(delivered(link.admit(200, 1000))).toBe(200);
  });

  it('refuses invalid conditions without changing the ones in force', () => {
    const link = new ImpairedLink({ delayMs: 30 });
    expect(() => link.configure({ loss: 2 }, 0)).toThrow(RangeError);
    expect(() => link.configure({ rateKbps: -5 }, 0)).toThrow(RangeError);
    expect(() => link.configure({ loss: 0.1, burstLoss: { meanLoss: 0.1, meanBurstLength: 2 } }, 0)).toThrow(/not both/);
    expect(link.conditions).toEqual({ delayMs: 30 });
    expect(delivered(link.admit(0, 100))).toBe(30);
  });

  it('makes losses bursty with burstLoss', () => {
    const link = new ImpairedLink({ burstLoss: { meanLoss: 0.1, meanBurstLength: 5 } }, 21);
    let lost = 0;
    let bursts = 0;
    let previous = false;
    for (let t = 0; t < 50_000; t++) {
      const drop = link.admit(t, 100).drop === 'loss';
      if (drop) lost++;
      if (drop && !previous) bursts++;
      previous = drop;
    }
    expect(lost / 50_000).toBeGreaterThan(0.09);
    expect(lost / 50_000).toBeLessThan(0.11);
    expect(lost / bursts).toBeGreaterThan(4.5);
    expect(lost / bursts).toBeLessThan(5.5);
  });
});

describe('resolveRelayConditions', () => {
  it('lets up and down override both, and leaves unnamed directions out', () => {
    expect(resolveRelayConditions({ up: { loss: 0.1 } })).toEqual({ up: { loss: 0.1 } });
    expect(resolveRelayConditions({ both: { delayMs: 50 }, down: { loss: 0.2 } })).toEqual({
      up: { delayMs: 50 },
      down: { delayMs: 50, loss: 0.2 },
    });
    expect(resolveRelayConditions({ both: { delayMs: 50 }, up: { delayMs: 10 } }).up).toEqual({ delayMs: 10 });
    expect(resolveRelayConditions({})).toEqual({});
  });
});
