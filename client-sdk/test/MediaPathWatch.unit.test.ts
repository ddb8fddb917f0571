import { MediaPathWatch } from '../src/MediaPathWatch.js';

describe('MediaPathWatch', () => {
  it('calls a path dead after 1 s without bytes while it carries media, restarts at once, then every 3 s', () => {
    const watch = new MediaPathWatch();
    const verdicts: string[] = [];
    let bytes = 0;
    for (let t = 0; t <= 2_000; t += 500) verdicts.push(watch.sample((bytes += 1_000), t, true));
    expect(verdicts.every((v) => v === 'flowing')).toBe(true);
    // The link goes dark at 2000 ms: bytes stop.
    const dark: Array<[number, string]> = [];
    for (let t = 2_500; t <= 9_000; t += 500) dark.push([t, watch.sample(bytes, t, true)]);
    expect(dark.find(([, v]) => v !== 'flowing')).toEqual([3_000, 'restart']); // 1 s after the last bytes
    expect(dark.filter(([, v]) => v === 'restart').map(([t]) => t)).toEqual([3_000, 6_000, 9_000]);
    expect(watch.dead).toBe(true);
    // Bytes again: flowing, and a later outage is noticed afresh.
    expect(watch.sample(bytes + 500, 9_500, true)).toBe('flowing');
    expect(watch.dead).toBe(false);
    expect(watch.sample(bytes + 500, 11_000, true)).toBe('restart');
  });

  it('never calls a silent path dead when nothing should arrive (all paused, no pair yet)', () => {
    const watch = new MediaPathWatch({ silenceMs: 1_000 });
    for (let t = 0; t <= 10_000; t += 500) expect(watch.sample(4_000, t, false)).toBe('flowing');
    for (let t = 10_500; t <= 20_000; t += 500) expect(watch.sample(null, t, true)).toBe('flowing');
  });

  it('counts a new candidate pair (bytes from zero after a restart) as traffic', () => {
    const watch = new MediaPathWatch({ silenceMs: 1_000 });
    watch.sample(50_000, 0, true);
    expect(watch.sample(50_000, 1_000, true)).toBe('restart');
    expect(watch.sample(120, 1_500, true)).toBe('flowing');
  });
});
