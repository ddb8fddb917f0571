import { EchoGuards } from '../src/echo/EchoGuards.js';
import type { EchoVerdict } from '../src/echo/EchoVerdict.js';
import { EPOCH_MS, leakingScenario, quietScenario, randomEchoPath, seededRandom, speechBank } from './support/echoSignals.js';

const CHUNK = 320; // 20 ms at 16 kHz, as the worker decodes Opus frames
const s16 = (samples: Float32Array, from: number) => {
  const chunk = samples.subarray(from, from + CHUNK);
  const pcm = Buffer.alloc(chunk.length * 2);
  chunk.forEach((v, i) => pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32767))), i * 2));
  return pcm;
};

describe('EchoGuards (the echo guards of one worker, by lesson)', () => {
  it('gives each classroom microphone the teacher of its own lesson: the leaking one is flagged at its delay, the clean one and another lesson are not', () => {
    const random = seededRandom(7);
    const bank = speechBank();
    const leak = leakingScenario(random, bank, randomEchoPath(random, 240, -12), { durationS: 14 });
    const clean = quietScenario(random, bank, 'double-talk', 14);
    const guards = new EchoGuards();
    const verdicts = new Map<string, EchoVerdict[]>();
    const record = (id: string) => (verdict: EchoVerdict) => verdicts.set(id, [...(verdicts.get(id) ?? []), verdict]);
    guards.add('teacher', 'L1', 'reference', record('teacher'));
    guards.add('room-a', 'L1', 'microphone', record('room-a'));
    guards.add('room-b', 'L1', 'microphone', record('room-b'));
    // Another lesson whose only microphone hears lesson L1's teacher: it must not be compared with it.
    guards.add('room-x', 'L2', 'microphone', record('room-x'));
    for (let i = 0; i < leak.reference.length; i += CHUNK) {
      const at = EPOCH_MS + (i / 16_000) * 1000;
      guards.audio('teacher', s16(leak.reference, i), at);
      guards.audio('room-a', s16(leak.microphone, i), at);
      guards.audio('room-b', s16(clean.microphone, i), at);
      guards.audio('room-x', s16(leak.microphone, i), at);
    }
    expect(guards.verdict('room-a')).toMatchObject({ state: 'leaking' });
    expect(Math.abs(guards.verdict('room-a')!.delayMs! - 240)).toBeLessThanOrEqual(20);
    expect(verdicts.get('room-a')?.at(-1)?.state).toBe('leaking');
    expect(verdicts.get('room-b')?.some((v) => v.state === 'leaking') ?? false).toBe(false);
    expect(guards.verdict('room-x')?.state).toBe('clear');
    expect(guards.verdict('teacher')).toBeNull();
  });

  it('forgets removed streams and whole lessons', () => {
    const guards = new EchoGuards();
    guards.add('teacher', 'L1', 'reference', () => undefined);
    guards.add('room-a', 'L1', 'microphone', () => undefined);
    guards.remove('room-a');
    expect(guards.verdict('room-a')).toBeNull();
    guards.audio('teacher', Buffer.alloc(640), EPOCH_MS); // no microphone left: nothing to feed, no error
    guards.remove('teacher');
    guards.remove('teacher');
    guards.audio('teacher', Buffer.alloc(640), EPOCH_MS);
  });
});
