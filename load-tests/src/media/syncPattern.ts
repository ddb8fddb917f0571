/*
 * The instants at which the teacher's fake camera flashes and its fake microphone beeps.
 *
 * Irregular on purpose: with a regular beat, audio late by one beat would look in sync.
 * Every gap is different from its neighbours and at least 0.8 s, so a beep can be
 * paired with the nearest flash unambiguously as long as the skew stays under 400 ms,
 * and only one phase of the loop fits the whole pattern.
 */

/** Length of one loop of the fake media (s). Audio and video loops must be exactly this long. */
export const LOOP_S = 10;

/**
 * Flash/beep instants within one loop (s). Multiples of 0.2 s, so they fall on frame
 * boundaries at 5, 10, 15, 25 and 30 fps; gaps 1.2, 0.8, 1.6, 1.0, 2.2, 1.0, 0.8 and
 * 1.4 s (across the loop seam).
 */
export const SYNC_PATTERN_S: readonly number[] = [0.6, 1.8, 2.6, 4.2, 5.2, 7.4, 8.4, 9.2];

/** Snaps each instant to the start of the nearest frame, as the Y4M writer must. */
export function quantizeToFrames(pattern: readonly number[], fps: number): number[] {
  return pattern.map((t) => Math.round(t * fps) / fps);
}

/** Every occurrence of the looped pattern in [fromS, toS), given where a loop starts (phaseS). */
export function expandPattern(pattern: readonly number[], loopS: number, phaseS: number, fromS: number, toS: number): number[] {
  const out: number[] = [];
  for (let k = Math.floor((fromS - phaseS) / loopS) - 1; phaseS + k * loopS < toS; k++) {
    for (const p of pattern) {
      const t = phaseS + k * loopS + p;
      if (t >= fromS && t < toS) out.push(t);
    }
  }
  return out.sort((a, b) => a - b);
}

/** How a list of detected instants lines up with the looped pattern. */
export interface PatternFit {
  /** Where a loop starts on the file's timeline, in [0, loopS): pattern[i] is seen at phaseS + pattern[i] + k·loopS. */
  phaseS: number;
  /** Detected instants that sit within the tolerance of a pattern instant. */
  fitted: number;
  /** Detected instants that fit no pattern instant (a spurious flash or beep). */
  unexpected: number[];
  /** Pattern instants inside the covered span that nothing was detected at (a lost flash or beep). */
  missing: number[];
  /** Largest distance of a fitted instant from its pattern instant (ms): the jitter. */
  maxResidualMs: number;
}

const wrap = (x: number, loopS: number) => ((x % loopS) + loopS) % loopS;
/** Signed distance on the loop circle, in (-loopS/2, loopS/2]. */
const circular = (x: number, loopS: number) => {
  const w = wrap(x, loopS);
  return w > loopS / 2 ? w - loopS : w;
};

/**
 * Finds the loop phase that best explains `detected` (instants on a file's timeline)
 * and reports what does not fit. `spanS` is the part of the timeline that was examined,
 * so that pattern instants outside it are not reported missing.
 */
export function fitPattern(
  detected: readonly number[],
  pattern: readonly number[],
  options: { loopS?: number; toleranceS?: number; spanS: [number, number] },
): PatternFit {
  const loopS = options.loopS ?? LOOP_S;
  const tol = options.toleranceS ?? 0.1;
  /** Signed distance from `t` to the nearest pattern instant, with loops starting at `phase`. */
  const nearest = (t: number, phase: number) => {
    let best = Infinity;
    for (const p of pattern) {
      const d = circular(t - phase - p, loopS);
      if (Math.abs(d) < Math.abs(best)) best = d;
    }
    return best;
  };

  // (detected, pattern) pairs propose phases; keep the one most instants agree with.
  // Proposals from 16 detections spread over the file keep an hour-long recording fast.
  const step = Math.max(1, Math.ceil(detected.length / 16));
  let best = { phase: 0, fitted: 0, cost: Infinity };
  for (let i = 0; i < detected.length; i += step) {
    for (const p of pattern) {
      const phase = wrap(detected[i]! - p, loopS);
      let fitted = 0;
      let cost = 0;
      for (const t of detected) {
        const r = Math.abs(nearest(t, phase));
        if (r <= tol) {
          fitted++;
          cost += r;
        }
      }
      if (fitted > best.fitted || (fitted === best.fitted && cost < best.cost)) best = { phase, fitted, cost };
    }
  }
  if (best.fitted === 0) {
    return { phaseS: Number.NaN, fitted: 0, unexpected: [...detected], missing: [], maxResidualMs: Number.NaN };
  }
  // Refine: the mean signed residual of the fitted instants moves the phase to their centre.
  const signed = detected.map((t) => nearest(t, best.phase)).filter((r) => Math.abs(r) <= tol);
  const phaseS = wrap(best.phase + signed.reduce((a, b) => a + b, 0) / signed.length, loopS);

  const residuals = detected.map((t) => Math.abs(nearest(t, phaseS)));
  const unexpected = detected.filter((_, i) => residuals[i]! > tol);
  const fittedResiduals = residuals.filter((r) => r <= tol);
  const sorted = [...detected].sort((a, b) => a - b);
  const [from, to] = options.spanS;
  const missing = expandPattern(pattern, loopS, phaseS, from, to).filter((e) => !hasWithin(sorted, e, tol));
  return {
    phaseS,
    fitted: fittedResiduals.length,
    unexpected,
    missing,
    maxResidualMs: fittedResiduals.reduce((a, b) => Math.max(a, b), 0) * 1000,
  };
}

/** Whether sorted `values` has one within `tol` of `x` (binary search). */
function hasWithin(values: readonly number[], x: number, tol: number): boolean {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < x - tol) lo = mid + 1;
    else hi = mid;
  }
  return lo < values.length && values[lo]! <= x + tol;
}
