import { ActivityDetector } from '../src/echo/ActivityDetector.js';
import { BAND_COUNT } from '../src/echo/BandEnergyAnalyzer.js';
import { DEFAULT_ECHO_CONFIG } from '../src/echo/echoConfig.js';
import { EchoReturnLoss } from '../src/echo/EchoReturnLoss.js';
import { EchoStateMachine } from '../src/echo/EchoStateMachine.js';
import type { EchoState } from '../src/echo/EchoVerdict.js';
import { EnvelopeFeatures } from '../src/echo/EnvelopeFeatures.js';
import { LagCorrelator } from '../src/echo/LagCorrelator.js';
import { LagTracker } from '../src/echo/LagTracker.js';
import { PowerSpectrum } from '../src/echo/PowerSpectrum.js';
import { StreamAligner, type AnalysedFrame } from '../src/echo/StreamAligner.js';
import { TimedFramer } from '../src/echo/TimedFramer.js';
import { gaussian, seededRandom } from './support/echoSignals.js';

/** The echo guard's building blocks, each against a plain reference implementation or a scripted input. */

describe('PowerSpectrum', () => {
  it('matches a direct DFT', () => {
    const random = seededRandom(1);
    for (const size of [8, 256]) {
      const frame = Array.from({ length: size }, () => gaussian(random));
      const out = new Float64Array(size / 2 + 1);
      new PowerSpectrum(size).compute(frame, out);
      for (let k = 0; k <= size / 2; k++) {
        let re = 0;
        let im = 0;
        for (let n = 0; n < size; n++) {
          re += frame[n]! * Math.cos((2 * Math.PI * k * n) / size);
          im -= frame[n]! * Math.sin((2 * Math.PI * k * n) / size);
        }
        expect(out[k]).toBeCloseTo(re * re + im * im, 8);
      }
    }
  });

  it('takes only power-of-two sizes', () => {
    expect(() => new PowerSpectrum(100)).toThrow(RangeError);
  });
});

describe('TimedFramer', () => {
  /** Frames (index and a copy of the window) from pushing `chunks` of [samples, startMs]. */
  function frames(chunks: Array<[Float32Array, number]>): { frames: Array<{ index: number; window: number[] }>; restarts: number } {
    const out: Array<{ index: number; window: number[] }> = [];
    let restarts = 0;
    const framer = new TimedFramer(
      (index, window) => out.push({ index, window: [...window] }),
      () => restarts++,
    );
    for (const [samples, startMs] of chunks) framer.push(samples, startMs);
    return { frames: out, restarts };
  }
  const ramp = (length: number, from = 1) => Float32Array.from({ length }, (_, i) => from + i);

  it('puts frames on the shared 10 ms grid: frame n ends at (n + 1) × 10 ms', () => {
    const { frames: out } = frames([[ramp(320), 1000]]);
    expect(out.map((f) => f.index)).toEqual([100, 101]);
    // Frame 100 ends at 1010 ms: its last sample is the 160th; the window reaches back before the stream (zeros).
    expect(out[0]!.window.slice(-160)).toEqual([...ramp(160)]);
    expect(out[0]!.window.slice(0, 96)).toEqual(Array(96).fill(0));
    expect(out[1]!.window.slice(-256)).toEqual([...ramp(256, 65)]);
    // A stream starting off the grid (1005 ms) completes frame 100 after 5 ms.
    expect(frames([[ramp(80), 1005]]).frames.map((f) => f.index)).toEqual([100]);
  });

  it('gives the same frames however the stream is chunked', () => {
    const random = seededRandom(2);
    const signal = Float32Array.from({ length: 4000 }, () => gaussian(random));
    const whole = frames([[signal, 500]]).frames;
    const chunks: Array<[Float32Array, number]> = [];
    for (let at = 0; at < signal.length; ) {
      const length = 1 + Math.floor(random() * 900);
      // Timestamps rounded to whole ms, as RTP-derived ones often are: within the 2 ms tolerance.
      chunks.push([signal.subarray(at, at + length), Math.round(500 + (at / 16_000) * 1000)]);
      at += length;
    }
    expect(frames(chunks).frames).toEqual(whole);
  });

  it('fills a gap up to 1 s with silence and drops audio it already has', () => {
    const a = ramp(160);
    const b = ramp(160, 1000);
    const gapped = frames([[a, 0], [b, 30]]).frames; // 20 ms missing
    expect(gapped.map((f) => f.index)).toEqual([0, 1, 2, 3]);
    expect(gapped[2]!.window.slice(-160)).toEqual(Array(160).fill(0));
    expect(gapped[3]!.window.slice(-160)).toEqual([...b]);
    // The second chunk repeats the last 5 ms of the first: those are not taken twice.
    const overlapping = frames([[a, 0], [Float32Array.of(...a.subarray(80), ...b), 5]]).frames;
    expect(overlapping).toEqual(frames([[a, 0], [b, 10]]).frames);
  });

  it('restarts on a jump of more than a second, forwards or back', () => {
    const { frames: out, restarts } = frames([[ramp(160), 0], [ramp(160), 5000], [ramp(160), 0]]);
    expect(out.map((f) => f.index)).toEqual([0, 500, 0]);
    expect(restarts).toBe(2);
  });
});

describe('EnvelopeFeatures', () => {
  it('cancels a fixed gain per band (the echo path’s level and coloration)', () => {
    const random = seededRandom(3);
    const plain = new EnvelopeFeatures();
    const coloured = new EnvelopeFeatures();
    const colouring = Array.from({ length: BAND_COUNT }, () => Math.pow(10, (gaussian(random) * 10 - 15) / 10));
    const a = new Float64Array(BAND_COUNT);
    const b = new Float64Array(BAND_COUNT);
    for (let frame = 0; frame < 100; frame++) {
      // Levels vary over 20 dB (less than the 30 dB floor), well above digital silence: only the gain differs.
      const energies = Float64Array.from({ length: BAND_COUNT }, () => Math.pow(10, (30 + 20 * random()) / 10));
      plain.compute(energies, a);
      coloured.compute(energies.map((e, band) => e * colouring[band]!), b);
      if (frame >= 15) for (let band = 0; band < BAND_COUNT; band++) expect(b[band]).toBeCloseTo(a[band]!, 6);
    }
  });

  it('floors each band 30 dB under its recent peak, and a steady level reads 0', () => {
    const features = new EnvelopeFeatures();
    const out = new Float64Array(BAND_COUNT);
    features.compute(new Float64Array(BAND_COUNT).fill(1e4), out);
    // After a 40 dB peak, digital silence reads as 10 dB (the floor), not −100 dB.
    const trace: number[] = [];
    for (let frame = 0; frame < 30; frame++) {
      features.compute(new Float64Array(BAND_COUNT), out);
      trace.push(out[0]!);
    }
    expect(trace[0]).toBeCloseTo(10 - (40 + 10) / 2, 1); // the mean of the 2 frames so far is 25 dB
    expect(Math.abs(trace[29]!)).toBeLessThan(0.1); // the floor itself decays 1 dB/s
  });
});

describe('ActivityDetector', () => {
  it('is active for sound well over the noise floor, not for silence or steady noise', () => {
    const activity = new ActivityDetector();
    expect(activity.update(0)).toBe(false); // digital silence
    const noise = Math.pow(10, 0 / 10); // steady noise, well above the absolute minimum
    for (let i = 0; i < 50; i++) expect(activity.update(noise)).toBe(false);
    expect(activity.update(noise * 1000)).toBe(true); // speech 30 dB over it
    expect(activity.update(noise * 3)).toBe(false); // 5 dB over the floor: a breath
  });

  it('ignores quiet sound under the absolute minimum even over digital silence', () => {
    const activity = new ActivityDetector();
    activity.update(0);
    expect(activity.update(Math.pow(10, -4))).toBe(false); // −40 dB: far under speech
  });
});

describe('LagCorrelator', () => {
  const bands = 3;
  const minLag = 2;
  const maxLag = 6;
  const window = 20;

  /** Per-band-mean-removed correlation pooled over bands, computed directly (frames before the first push are zeros). */
  function direct(ref: (t: number) => number[], mic: (t: number) => number[], steps: number, lag: number): number {
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let b = 0; b < bands; b++) {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let t = steps - window; t < steps; t++) {
        // Step t pushed mic(t) and ref(t − minLag); nothing before step 0.
        xs.push(t - lag + minLag >= 0 ? ref(t - lag)[b]! : 0);
        ys.push(t >= 0 ? mic(t)[b]! : 0);
      }
      const mx = xs.reduce((s, v) => s + v, 0) / window;
      const my = ys.reduce((s, v) => s + v, 0) / window;
      for (let i = 0; i < window; i++) {
        sxy += (xs[i]! - mx) * (ys[i]! - my);
        sxx += (xs[i]! - mx) ** 2;
        syy += (ys[i]! - my) ** 2;
      }
    }
    return sxy / Math.sqrt(sxx * syy);
  }

  it('equals the direct computation at every lag, while filling and long after (no drift)', () => {
    const random = seededRandom(4);
    const refFrames = new Map<number, number[]>();
    const ref = (t: number) => {
      if (!refFrames.has(t)) refFrames.set(t, Array.from({ length: bands }, () => gaussian(random) * 5 + 3));
      return refFrames.get(t)!;
    };
    const micFrames = new Map<number, number[]>();
    const mic = (t: number) => {
      if (!micFrames.has(t)) micFrames.set(t, ref(t - 4).map((v) => 0.7 * v + gaussian(random)));
      return micFrames.get(t)!;
    };
    const correlator = new LagCorrelator(bands, minLag, maxLag, window);
    const out = new Float64Array(maxLag - minLag + 1);
    for (let step = 0; step < 3000; step++) {
      correlator.push(ref(step - minLag), mic(step));
      const steps = step + 1;
      if (![5, 20, 21, 57, 3000].includes(steps)) continue;
      correlator.correlations(out);
      for (let lag = minLag; lag <= maxLag; lag++) expect(out[lag - minLag]).toBeCloseTo(direct(ref, mic, steps, lag), 9);
      if (steps >= window) expect(out.indexOf(Math.max(...out)) + minLag).toBe(4);
      refFrames.delete(step - window - maxLag - 5);
    }
  });

  it('reads 0 where a side is flat (nothing to compare), and reset forgets', () => {
    const correlator = new LagCorrelator(bands, minLag, maxLag, window);
    const out = new Float64Array(maxLag - minLag + 1).fill(9);
    for (let step = 0; step < 40; step++) correlator.push([step % 3, 1, 2], [0, 0, 0]);
    correlator.correlations(out);
    expect([...out]).toEqual(Array(out.length).fill(0));
    correlator.reset();
    expect(correlator.frames).toBe(0);
  });
});

describe('LagTracker', () => {
  it('refines the peak between lags by a parabola', () => {
    const tracker = new LagTracker(5, 1);
    tracker.update(Float64Array.of(0, 0.5, 1, 0.75, 0));
    const peak = tracker.peak();
    expect(peak.index).toBeCloseTo(2 + 1 / 6, 9);
    expect(peak.value).toBeGreaterThan(1 - 1e-9); // the vertex, capped at 1
    tracker.update(Float64Array.of(0, 0.5, 0.8, 0.5, 0));
    expect(tracker.peak().index).toBe(2);
  });

  it('lets a peak that stays put win over bigger ones that wander', () => {
    const random = seededRandom(5);
    const tracker = new LagTracker(40, 0.05);
    for (let i = 0; i < 200; i++) {
      const curve = Float64Array.from({ length: 40 }, () => 0.1 * random());
      curve[12] = 0.5; // steady, moderate
      curve[Math.floor(random() * 40)] = 0.9; // strong, but never twice in the same place
      tracker.update(curve);
    }
    expect(Math.round(tracker.peak().index)).toBe(12);
  });
});

describe('EchoReturnLoss', () => {
  it('fits the echo path’s power gain at the given lag, ignoring steady background', () => {
    const random = seededRandom(6);
    const estimator = new EchoReturnLoss(10, 100);
    const ref: number[] = [];
    for (let n = 0; n < 300; n++) {
      ref.push(random() < 0.5 ? 0 : 10 * random());
      const echo = n >= 3 ? 0.1 * ref[n - 3]! : 0; // −10 dB, 3 frames behind
      estimator.push(ref[n]!, echo + 5);
    }
    expect(estimator.estimateDb(3)).toBeCloseTo(-10, 6);
    const elsewhere = estimator.estimateDb(7);
    expect(elsewhere === null || elsewhere < -15).toBe(true);
  });

  it('has no estimate without reference variation', () => {
    const estimator = new EchoReturnLoss(10, 100);
    for (let n = 0; n < 200; n++) estimator.push(1, 1 + (n % 2));
    expect(estimator.estimateDb(2)).toBeNull();
  });
});

describe('EchoStateMachine', () => {
  const step = DEFAULT_ECHO_CONFIG.evaluateEveryMs;
  /** Runs `(confidence, delayMs)` evaluations 50 ms apart; returns each state change as [ms, state]. */
  function run(machine: EchoStateMachine, inputs: Array<[number, number]>, fromMs = 0): Array<[number, EchoState]> {
    const changes: Array<[number, EchoState]> = [];
    inputs.forEach(([confidence, delay], i) => {
      const at = fromMs + i * step;
      if (machine.update(at, confidence, delay)) changes.push([at, machine.state]);
    });
    return changes;
  }
  const repeat = (count: number, input: [number, number]) => Array<[number, number]>(count).fill(input);

  it('goes clear → suspect → leaking after leakingHoldMs at a steady delay', () => {
    const machine = new EchoStateMachine(DEFAULT_ECHO_CONFIG);
    machine.start(0);
    expect(machine.since).toBe(0);
    const changes = run(machine, repeat(40, [0.6, 200]));
    expect(changes).toEqual([
      [0, 'suspect'],
      [DEFAULT_ECHO_CONFIG.leakingHoldMs, 'leaking'],
    ]);
    expect(machine.since).toBe(DEFAULT_ECHO_CONFIG.leakingHoldMs);
  });

  it('does not flag a strong peak that keeps changing delay, nor a middling one', () => {
    const wandering = run(new EchoStateMachine(DEFAULT_ECHO_CONFIG), Array.from({ length: 100 }, (_, i): [number, number] => [0.7, i % 4 === 0 ? 100 : 400]));
    expect(wandering.map(([, state]) => state)).toEqual(['suspect']);
    const middling = run(new EchoStateMachine(DEFAULT_ECHO_CONFIG), repeat(200, [0.4, 200]));
    expect(middling.map(([, state]) => state)).toEqual(['suspect']);
  });

  it('releases only after releaseHoldMs under releaseAt, then clears after clearHoldMs under clearAt', () => {
    const machine = new EchoStateMachine(DEFAULT_ECHO_CONFIG);
    run(machine, repeat(20, [0.6, 200]));
    expect(machine.state).toBe('leaking');
    const releaseSteps = DEFAULT_ECHO_CONFIG.releaseHoldMs / step;
    // Just short of the hold, interrupted: still leaking.
    expect(run(machine, [...repeat(releaseSteps - 1, [0.25, 200]), [0.5, 200], ...repeat(releaseSteps - 1, [0.25, 200])])).toEqual([]);
    const changes = run(machine, [...repeat(1, [0.25, 200]), ...repeat(DEFAULT_ECHO_CONFIG.clearHoldMs / step, [0.1, 200])], 10_000);
    expect(changes).toEqual([
      [10_000, 'suspect'],
      [10_000 + DEFAULT_ECHO_CONFIG.clearHoldMs, 'clear'],
    ]);
  });

  it('does not flap when confidence hovers around a threshold', () => {
    const around = (level: number) => Array.from({ length: 400 }, (_, i): [number, number] => [level + (i % 2 === 0 ? 0.03 : -0.03), 200]);
    const machine = new EchoStateMachine(DEFAULT_ECHO_CONFIG);
    expect(run(machine, around(DEFAULT_ECHO_CONFIG.suspectAt)).length).toBe(1); // into suspect, and it stays
    const leaking = new EchoStateMachine(DEFAULT_ECHO_CONFIG);
    run(leaking, repeat(20, [0.6, 200]));
    expect(run(leaking, around(DEFAULT_ECHO_CONFIG.releaseAt))).toEqual([]);
  });

  it('stays suspect while confidence is between clearAt and suspectAt', () => {
    const machine = new EchoStateMachine(DEFAULT_ECHO_CONFIG);
    const between = (DEFAULT_ECHO_CONFIG.clearAt + DEFAULT_ECHO_CONFIG.suspectAt) / 2;
    expect(run(machine, [[0.35, 200], ...repeat(200, [between, 200])]).map(([, state]) => state)).toEqual(['suspect']);
  });

  it('reset returns to clear with no start time', () => {
    const machine = new EchoStateMachine(DEFAULT_ECHO_CONFIG);
    machine.start(5);
    run(machine, repeat(20, [0.6, 200]));
    machine.reset();
    expect([machine.state, machine.since]).toEqual(['clear', null]);
  });
});

describe('StreamAligner', () => {
  function aligner(): { aligner: StreamAligner; pairs: Array<[number, number | null]> } {
    const pairs: Array<[number, number | null]> = [];
    const instance = new StreamAligner({
      bands: 1,
      minLag: 2,
      maxWaitFrames: 3,
      keepFrames: 10,
      // The reference frames carry their index as the feature; silence has power 0.
      onPair: (index, reference: AnalysedFrame) => pairs.push([index, reference.power === 0 ? null : reference.features[0]!]),
    });
    return { aligner: instance, pairs };
  }
  const ref = (a: StreamAligner, index: number) => a.addReference(index, Float64Array.of(index), 1, true);
  const mic = (a: StreamAligner, index: number) => a.addMicrophone(index, Float64Array.of(0), 1);

  it('pairs microphone frame n with reference frame n − minLag once that has arrived', () => {
    const { aligner: a, pairs } = aligner();
    mic(a, 10);
    mic(a, 11);
    expect(pairs).toEqual([]);
    ref(a, 8);
    expect(pairs).toEqual([[10, 8]]);
    ref(a, 9);
    ref(a, 10);
    mic(a, 12);
    expect(pairs).toEqual([[10, 8], [11, 9], [12, 10]]);
  });

  it('waits at most maxWaitFrames for the reference, then takes silence; a late frame changes nothing', () => {
    const { aligner: a, pairs } = aligner();
    for (let n = 20; n <= 24; n++) mic(a, n);
    expect(pairs).toEqual([[20, null], [21, null]]);
    ref(a, 18); // 20's partner, too late
    ref(a, 20);
    expect(pairs).toEqual([[20, null], [21, null], [22, 20]]);
    a.flush();
    expect(pairs.slice(3)).toEqual([[23, null], [24, null]]);
  });

  it('forgets reference frames older than keepFrames and after a restart', () => {
    const { aligner: a, pairs } = aligner();
    ref(a, 0);
    for (let n = 1; n <= 12; n++) ref(a, n);
    mic(a, 2); // wants 0: overwritten by 10
    mic(a, 12); // wants 10
    a.restartReference();
    mic(a, 13); // wants 11: forgotten
    a.flush();
    expect(pairs).toEqual([[2, null], [12, 10], [13, null]]);
  });
});
