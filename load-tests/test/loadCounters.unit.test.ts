import { DelayHistogram } from '../src/load/DelayHistogram.js';
import { ReceiveCounter } from '../src/load/ReceiveCounter.js';
import { sendTimeOf, withSendTime } from '../src/load/sendTimeTrailer.js';

describe('ReceiveCounter', () => {
  it('counts gaps in sequence numbers as lost, and a late packet fills its gap', () => {
    const counter = new ReceiveCounter();
    for (const seq of [10, 11, 13, 14]) counter.add(seq, 100);
    expect(counter).toMatchObject({ packets: 4, bytes: 400, expected: 5, lost: 1 });
    counter.add(12, 100);
    expect(counter.lost).toBe(0);
  });

  it('unwraps 16-bit sequence numbers', () => {
    const counter = new ReceiveCounter();
    for (const seq of [65_533, 65_534, 65_535, 0, 2]) counter.add(seq, 1);
    expect(counter.expected).toBe(6);
    expect(counter.lost).toBe(1);
  });

  it('never reports negative loss when packets repeat (retransmissions)', () => {
    const counter = new ReceiveCounter();
    for (const seq of [1, 2, 2, 3]) counter.add(seq, 1);
    expect(counter.lost).toBe(0);
  });
});

describe('DelayHistogram', () => {
  it('gives percentiles at 1 ms resolution, windows and merges', () => {
    const histogram = new DelayHistogram();
    for (let ms = 0; ms < 100; ms++) histogram.add(ms + 0.3);
    expect(histogram.percentile(50)).toBe(49.5);
    expect(histogram.percentile(95)).toBe(94.5);
    const before = histogram.snapshot();
    histogram.add(500);
    const window = histogram.since(before);
    expect(window.samples).toBe(1);
    expect(window.percentile(50)).toBe(500.5);
    const merged = new DelayHistogram();
    merged.merge(histogram);
    merged.merge(window.counts);
    expect(merged.samples).toBe(102);
    expect(new DelayHistogram().percentile(50)).toBeNull();
  });

  it('puts arrivals later than its range in the last bucket and early clocks at zero', () => {
    const histogram = new DelayHistogram();
    histogram.add(60_000);
    histogram.add(-3);
    expect(histogram.percentile(100)).toBe(9999.5);
    expect(histogram.percentile(1)).toBe(0.5);
  });
});

describe('send-time trailer', () => {
  it('round-trips a send time behind the payload, which stays intact in front', () => {
    const payload = Buffer.from([0x10, 1, 2, 3]);
    const stamped = withSendTime(payload, 1_700_000_000_123.25);
    expect(stamped.subarray(0, 4)).toEqual(payload);
    expect(sendTimeOf(stamped)).toBe(1_700_000_000_123.25);
    // A view into a larger buffer, as werift hands out payloads.
    const outer = Buffer.concat([Buffer.alloc(7), stamped]);
    expect(sendTimeOf(outer.subarray(7))).toBe(1_700_000_000_123.25);
  });

  it('finds no time in a payload without the trailer', () => {
    expect(sendTimeOf(Buffer.alloc(40, 7))).toBeNull();
    expect(sendTimeOf(Buffer.from([1, 2]))).toBeNull();
  });
});
