import { EchoDetector } from '../src/echo/EchoDetector.js';
import type { EchoState, EchoVerdict } from '../src/echo/EchoVerdict.js';
import {
  EPOCH_MS,
  QUIET_KINDS,
  RATE,
  SPEECH_RMS,
  dbToGain,
  echoThrough,
  feed,
  inBandGainDb,
  leakingScenario,
  mix,
  noise,
  normalised,
  place,
  quietScenario,
  randomEchoPath,
  seededRandom,
  speechBank,
  talk,
  thenSilence,
  uniform,
  type FeedResult,
  type SpeechBank,
} from './support/echoSignals.js';

/**
 * The echo guard on real (flite) speech: a teacher's lesson as the reference, and a classroom
 * microphone that either picks it up from the loudspeakers (delayed, band-limited, reflected,
 * attenuated, under noise) or hears only the classroom itself.
 */

let bank: SpeechBank;
beforeAll(() => {
  bank = speechBank();
}, 60_000);

const states = (result: FeedResult) => result.changes.map((verdict) => verdict.state);
/** Capture time of a verdict's state change, in ms after the tracks' start. */
const sinceMs = (verdict: EchoVerdict) => verdict.since! - EPOCH_MS;

describe('EchoDetector flags leaking audio', () => {
  it.each([
    [20, -6],
    [150, -12],
    [300, -18],
    [600, -24],
    [150, -24],
    [600, -9],
  ])('a %i ms echo at %i dB: leaking within 5 s, delay within ±20 ms, no flapping', (delayMs, gainDb) => {
    const random = seededRandom(delayMs * 100 - gainDb);
    const path = randomEchoPath(random, delayMs, gainDb);
    const scenario = leakingScenario(random, bank, path, { durationS: 12, leakAfterS: 3, noiseDb: 20 });
    const leakMs = scenario.leakFromS! * 1000;
    const result = feed(new EchoDetector(), scenario.reference, scenario.microphone, { random }, [leakMs - 10]);

    expect(result.at[0]!.verdict.state).toBe('clear'); // nothing before the echo starts
    expect(result.firstLeaking).not.toBeNull();
    const first = result.firstLeaking!;
    expect(sinceMs(first) - leakMs).toBeGreaterThan(0);
    expect(sinceMs(first) - leakMs).toBeLessThanOrEqual(5000);
    expect(Math.abs(first.delayMs! - delayMs)).toBeLessThanOrEqual(20);
    expect(Math.abs(result.final.delayMs! - delayMs)).toBeLessThanOrEqual(20);
    expect(states(result)).toEqual(['clear', 'suspect', 'leaking']);
    expect(result.final.confidence).toBeGreaterThan(0.6);
    // The echo level it reports is the one over the band it analyses (250–4000 Hz).
    expect(Math.abs(result.final.echoReturnLossDb! - inBandGainDb(scenario.reference, path))).toBeLessThanOrEqual(3);
  });

  it.each([37, 155, 333, 481])('measures a clean %i ms delay to within 5 ms', (delayMs) => {
    const random = seededRandom(delayMs);
    const path = { ...randomEchoPath(random, delayMs, -12), reflections: [] }; // reflections would pull it later
    const scenario = leakingScenario(random, bank, path, { durationS: 8, noiseDb: 30 });
    const result = feed(new EchoDetector(), scenario.reference, scenario.microphone, { random });
    expect(result.final.state).toBe('leaking');
    expect(Math.abs(result.final.delayMs! - delayMs)).toBeLessThanOrEqual(5);
  });

  it('gives the same verdicts however the streams are chunked and however out of step they arrive', () => {
    const random = seededRandom(77);
    const scenario = leakingScenario(random, bank, randomEchoPath(random, 250, -15), { durationS: 12, leakAfterS: 2 });
    const timeline = (micLateMs: number, chunkMs: [number, number]) =>
      feed(new EchoDetector(), scenario.reference, scenario.microphone, { random: seededRandom(micLateMs + 1000), micLateMs, chunkMs }).changes.map((v) => [v.state, v.since]);
    const inStep = timeline(0, [20, 20]);
    expect(inStep.map(([state]) => state)).toEqual(['clear', 'suspect', 'leaking']);
    expect(timeline(400, [10, 60])).toEqual(inStep); // the classroom's audio arrives late…
    expect(timeline(-300, [10, 60])).toEqual(inStep); // …or early
  });

  it('still finds the echo when a stretch of the reference is lost', () => {
    const random = seededRandom(78);
    const scenario = leakingScenario(random, bank, randomEchoPath(random, 400, -12), { durationS: 12, leakAfterS: 2 });
    const leakMs = scenario.leakFromS! * 1000;
    const result = feed(new EchoDetector(), scenario.reference, scenario.microphone, { random, referenceLostMs: [leakMs + 500, leakMs + 800] });
    expect(states(result)).toEqual(['clear', 'suspect', 'leaking']);
    expect(sinceMs(result.firstLeaking!) - leakMs).toBeLessThanOrEqual(5000);
    expect(Math.abs(result.final.delayMs! - 400)).toBeLessThanOrEqual(20);
  });

  it('flags an echo under classroom double-talk at the echo’s own level', () => {
    const random = seededRandom(79);
    const path = randomEchoPath(random, 180, -12);
    const scenario = leakingScenario(random, bank, path, { durationS: 16, leakAfterS: 1, noiseDb: 25, classroomTalks: true });
    const result = feed(new EchoDetector(), scenario.reference, scenario.microphone, { random });
    expect(states(result)).toEqual(['clear', 'suspect', 'leaking']);
    expect(Math.abs(result.final.delayMs! - 180)).toBeLessThanOrEqual(20);
  });
});

describe('EchoDetector never flags a microphone without echo', () => {
  it.each(QUIET_KINDS)('%s', (kind) => {
    for (const seed of [1, 2]) {
      const random = seededRandom(seed * 1000 + QUIET_KINDS.indexOf(kind));
      const scenario = quietScenario(random, bank, kind, 14);
      const result = feed(new EchoDetector(), scenario.reference, scenario.microphone, { random });
      expect(result.firstLeaking).toBeNull();
      // At most one excursion to suspect and back.
      expect(result.changes.length).toBeLessThanOrEqual(3);
    }
  });

  it('cannot fire while the teacher is silent, even if the microphone is busy', () => {
    const random = seededRandom(3);
    const classroom = normalised(talk(random, bank.classroom, 15).samples);
    const faintHiss = noise(random, classroom.length, SPEECH_RMS * dbToGain(-70));
    const result = feed(new EchoDetector(), faintHiss, mix(classroom, noise(random, classroom.length, 0.003)), { random });
    expect(states(result)).toEqual(['clear']);
    expect(result.final.delayMs).toBeNull(); // never even looked: nothing to look for
  });
});

describe('EchoDetector verdicts hold steady', () => {
  it('holds leaking while the teacher pauses and the classroom talks', () => {
    const random = seededRandom(4);
    const lesson = normalised(talk(random, bank.teacher, 10).samples);
    const reference = thenSilence(lesson, 10);
    const path = randomEchoPath(random, 120, -12);
    const classroom = place(20, [
      { clip: bank.classroom[0]!, startS: 11 },
      { clip: bank.classroom[5]!, startS: 15 },
    ]).samples;
    const microphone = mix(echoThrough(reference, path), normalised(classroom), noise(random, reference.length, 0.002));
    const result = feed(new EchoDetector(), reference, microphone, { random });
    expect(states(result)).toEqual(['clear', 'suspect', 'leaking']);
    expect(sinceMs(result.firstLeaking!)).toBeLessThan(10_000);
  });

  it('releases once the echo stops while the teacher goes on: leaking → suspect → clear, no flapping', () => {
    const random = seededRandom(5);
    const reference = normalised(talk(random, bank.teacher, 28).samples);
    const echo = echoThrough(reference, randomEchoPath(random, 300, -10));
    const stopS = 10;
    echo.fill(0, stopS * RATE); // the echo canceller recovers
    const result = feed(new EchoDetector(), reference, mix(echo, noise(random, reference.length, 0.002)), { random });
    expect(states(result)).toEqual(['clear', 'suspect', 'leaking', 'suspect', 'clear']);
    const released = result.changes[3]!;
    expect(sinceMs(released) - stopS * 1000).toBeGreaterThan(2000); // releaseHoldMs at least
    expect(sinceMs(released) - stopS * 1000).toBeLessThan(9000);
    expect(result.final.echoReturnLossDb).toBeNull();
  });

  it('stays leaking through echo level changes (the room turns the loudspeakers down and up)', () => {
    const random = seededRandom(6);
    const reference = normalised(talk(random, bank.teacher, 24).samples);
    const echo = echoThrough(reference, randomEchoPath(random, 200, -6));
    const down = dbToGain(-18);
    for (let i = 8 * RATE; i < 16 * RATE; i++) echo[i] = echo[i]! * down; // −6 dB, then −24 dB for 8 s, then −6 dB again
    const result = feed(new EchoDetector(), reference, mix(echo, noise(random, reference.length, 0.001)), { random }, [15_000, 23_000]);
    expect(states(result)).toEqual(['clear', 'suspect', 'leaking']);
    // The reported level follows: about 18 dB lower while turned down.
    const [turnedDown, backUp] = result.at.map((probe) => probe.verdict.echoReturnLossDb!);
    expect(backUp! - turnedDown!).toBeGreaterThan(12);
  });
});

describe('EchoDetector API', () => {
  it('starts clear with nothing known, and reset() forgets everything', () => {
    const detector = new EchoDetector();
    const blank: EchoVerdict = { state: 'clear', delayMs: null, confidence: 0, echoReturnLossDb: null, since: null };
    expect(detector.verdict()).toEqual(blank);
    const random = seededRandom(7);
    const scenario = leakingScenario(random, bank, randomEchoPath(random, 100, -10), { durationS: 10 });
    expect(feed(detector, scenario.reference, scenario.microphone, { random }).final.state).toBe('leaking');
    detector.reset();
    expect(detector.verdict()).toEqual(blank);
    const quiet = quietScenario(random, bank, 'noise-only', 8);
    // Fed from a different time on: a reset detector takes any start.
    const after = feed(detector, quiet.reference, quiet.microphone, { random, startMs: EPOCH_MS - 3_600_000 });
    expect(states(after)).toEqual(['clear']);
    expect(after.final.since).toBe(EPOCH_MS - 3_600_000); // clear since its first audio
  });

  it('reports every state change to onStateChange, as verdict() has it', () => {
    const seen: EchoState[] = [];
    const detector = new EchoDetector({ onStateChange: (verdict) => seen.push(verdict.state) });
    const random = seededRandom(8);
    const scenario = leakingScenario(random, bank, randomEchoPath(random, 450, -20), { durationS: 10 });
    const result = feed(detector, scenario.reference, scenario.microphone, { random });
    expect(seen).toEqual(states(result).slice(1));
    expect(seen).toEqual(['suspect', 'leaking']);
  });

  it('rejects inconsistent options', () => {
    expect(() => new EchoDetector({ minDelayMs: 300, maxDelayMs: 200 })).toThrow(RangeError);
    expect(() => new EchoDetector({ leakingAt: 0.2, suspectAt: 0.3 })).toThrow(RangeError);
    expect(() => new EchoDetector({ windowMs: 100 })).toThrow(RangeError);
  });
});

describe('EchoDetector over randomised trials', () => {
  it('detects ≥ 95% of leaks within 5 s at the right delay, and flags ≤ 5% of echo-free classrooms', () => {
    const trials = 25;
    const detections: Array<{ ok: boolean; detectMs: number; delayErrorMs: number; name: string }> = [];
    for (let i = 0; i < trials; i++) {
      const random = seededRandom(10_000 + i);
      const delayMs = uniform(random, 20, 600);
      const path = randomEchoPath(random, delayMs, uniform(random, -24, -6));
      const scenario = leakingScenario(random, bank, path, { durationS: 12, leakAfterS: uniform(random, 0, 4), noiseDb: uniform(random, 10, 30) });
      const result = feed(new EchoDetector(), scenario.reference, scenario.microphone, { random, micLateMs: uniform(random, -200, 400) });
      const first = result.firstLeaking;
      const detectMs = first === null ? Infinity : sinceMs(first) - scenario.leakFromS! * 1000;
      const delayErrorMs = first === null ? Infinity : Math.abs(first.delayMs! - delayMs);
      detections.push({ ok: detectMs > 0 && detectMs <= 5000 && delayErrorMs <= 20, detectMs, delayErrorMs, name: scenario.name });
    }
    const alarms: Array<{ kind: string; fired: boolean; changes: number }> = [];
    for (let i = 0; i < trials; i++) {
      const random = seededRandom(20_000 + i);
      const kind = QUIET_KINDS[i % QUIET_KINDS.length]!;
      const scenario = quietScenario(random, bank, kind, 12);
      const result = feed(new EchoDetector(), scenario.reference, scenario.microphone, { random, micLateMs: uniform(random, -200, 400) });
      alarms.push({ kind, fired: result.firstLeaking !== null, changes: result.changes.length - 1 });
    }
    const tpr = detections.filter((d) => d.ok).length / trials;
    const fpr = alarms.filter((a) => a.fired).length / trials;
    const times = detections.filter((d) => d.ok).map((d) => d.detectMs).sort((a, b) => a - b);
    const errors = detections.filter((d) => d.ok).map((d) => d.delayErrorMs);
    console.log(
      [
        `echo guard over ${trials} leaking and ${trials} echo-free seeded trials:`,
        `  TPR ${tpr.toFixed(2)} (leaking within 5 s at ±20 ms), FPR ${fpr.toFixed(2)} (ever leaking)`,
        `  detection after the echo starts: median ${times[Math.floor(times.length / 2)]?.toFixed(0)} ms, max ${times.at(-1)?.toFixed(0)} ms`,
        `  delay error at detection: mean ${(errors.reduce((s, e) => s + e, 0) / Math.max(1, errors.length)).toFixed(1)} ms, max ${Math.max(...errors).toFixed(1)} ms`,
        `  state changes in echo-free trials: max ${Math.max(...alarms.map((a) => a.changes))}`,
        ...detections.filter((d) => !d.ok).map((d) => `  missed: ${d.name} (detect ${d.detectMs} ms, delay error ${d.delayErrorMs} ms)`),
        ...alarms.filter((a) => a.fired).map((a) => `  false alarm: ${a.kind}`),
      ].join('\n'),
    );
    expect(tpr).toBeGreaterThanOrEqual(0.95);
    expect(fpr).toBeLessThanOrEqual(0.05);
  }, 60_000);
});

describe('EchoDetector cost', () => {
  // Under jest every global `Math` lookup is slow (see echoSignals.ts), so this overstates the cost
  // in plain Node (about 0.15–0.2% of a core there).
  it('uses well under 1% of a core per classroom', () => {
    const random = seededRandom(9);
    const reference = normalised(talk(random, bank.teacher, 30).samples);
    const microphone = mix(echoThrough(reference, randomEchoPath(random, 200, -12)), noise(random, reference.length, 0.003));
    const run = (detector: EchoDetector) => {
      // 20 ms chunks, as Opus frames come.
      for (let at = 0; at < reference.length; at += 320) {
        detector.pushReference(reference.subarray(at, at + 320), EPOCH_MS + at / 16);
        detector.pushMicrophone(microphone.subarray(at, at + 320), EPOCH_MS + at / 16);
      }
    };
    run(new EchoDetector()); // warm up the JIT
    const detector = new EchoDetector();
    const before = process.cpuUsage();
    run(detector);
    const used = process.cpuUsage(before);
    const share = (used.user + used.system) / 1000 / ((reference.length / RATE) * 1000);
    console.log(`echo guard CPU: ${(share * 100).toFixed(3)}% of a core per classroom (${(share * 1000).toFixed(2)} ms per second of audio)`);
    expect(detector.verdict().state).toBe('leaking');
    expect(share).toBeLessThan(0.01);
  });
});
