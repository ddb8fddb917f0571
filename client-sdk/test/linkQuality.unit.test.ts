import { linkQuality, qualityClass, sampleOf } from '../src/linkQuality.js';
import type { LinkSample } from '../src/linkQuality.js';

const sample = (received: number, lost: number, extra: Partial<LinkSample> = {}): LinkSample => ({ at: 0, tracks: 1, packetsReceived: received, packetsLost: lost, freezeCount: 0, rttMs: 40, jitterMs: 5, audio: [], ...extra });

describe('linkQuality (the score the SDK reports and the pages show)', () => {
  it('scores a clean link 5 and takes points for loss, delay, freezes', () => {
    expect(linkQuality(sample(1000, 0), sample(1200, 0)).score).toBe(5);
    expect(linkQuality(sample(1000, 0), sample(1194, 6)).score).toBe(3); // 3 % loss
    expect(linkQuality(sample(1000, 0), sample(1180, 20)).score).toBe(2); // 10 % loss
    expect(linkQuality(sample(1000, 0), sample(1180, 20, { rttMs: 600 })).score).toBe(1); // lossy and slow
    expect(linkQuality(sample(1000, 0), sample(1200, 0, { freezeCount: 2 })).score).toBe(4);
  });

  it('says 0 when media should flow and nothing came, null when there is nothing to measure', () => {
    expect(linkQuality(sample(1000, 0), sample(1000, 0)).score).toBe(0);
    expect(linkQuality(null, sample(0, 0)).score).toBeNull(); // first packets still on their way
    expect(linkQuality(sample(1000, 0), { ...sample(0, 0), tracks: 0 }).score).toBeNull();
  });

  it('leaves paused tracks out of the sample (a classroom without the floor is not "down")', () => {
    const stats = [
      { consumerId: 'a', kind: 'audio' as const, packetsReceived: 500, packetsLost: 0, freezeCount: 0, roundTripTimeMs: 30, jitter: 0.004, concealmentRatio: 0 },
      { consumerId: 'v', kind: 'video' as const, packetsReceived: 900, packetsLost: 9, freezeCount: 1, roundTripTimeMs: 45, jitter: 0.012, concealmentRatio: 0 },
    ];
    expect(sampleOf(stats, (id) => id === 'a')).toMatchObject({ tracks: 1, packetsReceived: 900, packetsLost: 9, rttMs: 45, jitterMs: 12 });
    expect(sampleOf(stats)).toMatchObject({ tracks: 2, packetsReceived: 1400 });
  });

  it('colours 4–5 good, 2–3 fair, 0–1 poor', () => {
    expect([5, 4, 3, 2, 1, 0, null].map(qualityClass)).toEqual(['good', 'good', 'fair', 'fair', 'poor', 'poor', 'none']);
  });
});
