import { StreamLink, StreamShaper } from '../src/impairment/index.js';
import { FakeClock } from './support/fakeClock.js';

function shaperOn(link: StreamLink, clock: FakeClock, options: { highWaterBytes?: number; accept?: () => boolean } = {}) {
  const written: { at: number; data: string }[] = [];
  const pauses: boolean[] = [];
  const shaper = new StreamShaper({
    link: () => link,
    clock,
    write: (chunk) => {
      written.push({ at: clock.now(), data: chunk.toString() });
      return options.accept ? options.accept() : true;
    },
    backpressure: (paused) => pauses.push(paused),
    highWaterBytes: options.highWaterBytes,
  });
  return { shaper, written, pauses };
}

describe('StreamLink', () => {
  it('serialises at the rate, then delays', () => {
    const link = new StreamLink({ rateKbps: 800, delayMs: 20 }); // 100 bytes/ms
    expect(link.arrivalAt(0, 1000)).toBe(30);
    expect(link.arrivalAt(0, 1000)).toBe(40);
    expect(link.arrivalAt(100, 500)).toBe(125);
  });

  it('holds data written during an outage until it ends', () => {
    const link = new StreamLink({ delayMs: 10 });
    link.outages.addFor(100, 200);
    expect(link.arrivalAt(150, 10)).toBe(310);
    expect(link.arrivalAt(300, 10)).toBe(310);
  });

  it('refuses conditions that do not apply to a stream', () => {
    const link = new StreamLink({ delayMs: 5 });
    expect(() => link.configure({ loss: 0.1 } as never, 0)).toThrow(/does not apply/);
    expect(link.conditions).toEqual({ delayMs: 5 });
  });
});

describe('StreamShaper', () => {
  it('writes each chunk when the link delivers it, in order, never reordering under jitter', () => {
    const clock = new FakeClock();
    const link = new StreamLink({ delayMs: 30, jitterMs: 20 }, 4);
    const { shaper, written } = shaperOn(link, clock);
    for (let i = 0; i < 100; i++) {
      shaper.push(Buffer.from(String(i)));
      clock.advance(1);
    }
    clock.advance(100);
    expect(written.map((w) => w.data)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    for (let i = 0; i < 100; i++) expect(written[i]!.at - i).toBeGreaterThanOrEqual(10 - 0.5);
    expect(written.some((w, i) => w.at - i > 35)).toBe(true); // jitter is really there
  });

  it('holds everything through an outage and lets it through after', () => {
    const clock = new FakeClock();
    const link = new StreamLink({});
    const { shaper, written } = shaperOn(link, clock);
    shaper.push(Buffer.from('a'));
    expect(written.map((w) => w.data)).toEqual(['a']);
    link.outages.addFor(clock.now(), 50);
    shaper.push(Buffer.from('b'));
    clock.advance(10);
    shaper.push(Buffer.from('c'));
    clock.advance(30);
    expect(written).toHaveLength(1);
    clock.advance(20);
    expect(written).toEqual([
      { at: 0, data: 'a' },
      { at: 50, data: 'b' },
      { at: 50, data: 'c' },
    ]);
  });

  it('holds data already queued when an outage starts', () => {
    const clock = new FakeClock();
    const link = new StreamLink({ delayMs: 20 });
    const { shaper, written } = shaperOn(link, clock);
    shaper.push(Buffer.from('a'));
    clock.advance(10);
    link.outages.addFor(clock.now(), 100); // 'a' is due at 20, inside the outage
    clock.advance(50);
    expect(written).toEqual([]);
    clock.advance(60);
    expect(written).toEqual([{ at: 110, data: 'a' }]);
  });

  it('pauses the source above the high-water mark and resumes under half of it', () => {
    const clock = new FakeClock();
    const link = new StreamLink({ rateKbps: 8 }); // 1 byte/ms
    const { shaper, pauses } = shaperOn(link, clock, { highWaterBytes: 100 });
    for (let i = 0; i < 15; i++) shaper.push(Buffer.alloc(10));
    expect(pauses).toEqual([true]);
    expect(shaper.queuedBytes).toBe(150);
    clock.advance(100); // 10 chunks out, 50 bytes held: not yet under half
    expect(pauses).toEqual([true]);
    clock.advance(10);
    expect(pauses).toEqual([true, false]);
    clock.advance(100);
    expect(shaper.queuedBytes).toBe(0);
  });

  it('waits for drain when the sink is full, and ends after flushing', () => {
    const clock = new FakeClock();
    let accept = false;
    const { shaper, written } = shaperOn(new StreamLink({}), clock, { accept: () => accept });
    let ended = false;
    shaper.push(Buffer.from('x'));
    shaper.push(Buffer.from('y'));
    shaper.end(() => (ended = true));
    expect(written.map((w) => w.data)).toEqual(['x']);
    expect(ended).toBe(false);
    accept = true;
    shaper.drained();
    expect(written.map((w) => w.data)).toEqual(['x', 'y']);
    expect(ended).toBe(true);
    shaper.push(Buffer.from('z')); // after the end: ignored
    expect(written).toHaveLength(2);
  });

  it('discards held data when stopped', () => {
    const clock = new FakeClock();
    const { shaper, written } = shaperOn(new StreamLink({ delayMs: 10 }), clock);
    shaper.push(Buffer.from('lost'));
    shaper.stop();
    clock.advance(50);
    expect(written).toEqual([]);
    expect(clock.activeTimers).toBe(0);
  });
});
