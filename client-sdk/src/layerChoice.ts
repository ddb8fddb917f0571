/**
 * Which simulcast layer a received camera should come in, from the size the page shows it at and
 * how the receiving link is doing. The SFU's bandwidth estimation already lowers a layer the path
 * cannot carry; this caps it from above, so a thumbnail never pulls the top layer, and steps down
 * on a lossy link before the estimate catches up. Pure.
 */
export interface LayerChoiceInput {
  /** Device pixels the video is rendered at (height); null: unknown (no cap from the page). */
  renderHeight: number | null;
  /** How many spatial layers the sender sends (1–3). */
  layers: number;
  /** Height of the top layer, if known (from a frame seen at a known layer); else a 720p sender is assumed. */
  topHeight: number | null;
  /** The receive link counts as lossy now (see nextLossState). */
  lossy: boolean;
}

/** A layer this much smaller than the rendered size still looks right (a little upscaling is invisible). */
const UPSCALE_TOLERANCE = 1.25;
/** Loss at which one layer less is asked for (FEC and NACK cope below it)… */
const LOSSY_PCT = 8;
/** …in this many samples in a row (random loss of 5–6 % crosses 8 % in one 2 s sample now and then)… */
const LOSSY_SAMPLES = 2;
/** …or at once at this much. */
const VERY_LOSSY_PCT = 15;
/** The layer comes back only after this many samples in a row under CLEAR_PCT: each switch costs a key frame and a moment of frozen video, so a link hovering near the threshold must not flap. */
const CLEAR_PCT = 3;
const CLEAR_SAMPLES = 5;

/** The receive link's loss state, from one sample to the next. */
export interface LossState {
  lossy: boolean;
  /** Consecutive samples at or over LOSSY_PCT (while not lossy) or under CLEAR_PCT (while lossy). */
  streak: number;
}

export const CLEAR_LINK: LossState = { lossy: false, streak: 0 };

/** The loss state after a sample of `lossPct` %: lossy after sustained or heavy loss, clear again only after sustained low loss. */
export function nextLossState(state: LossState, lossPct: number): LossState {
  if (!state.lossy) {
    if (lossPct >= VERY_LOSSY_PCT) return { lossy: true, streak: 0 };
    const streak = lossPct >= LOSSY_PCT ? state.streak + 1 : 0;
    return streak >= LOSSY_SAMPLES ? { lossy: true, streak: 0 } : { lossy: false, streak };
  }
  const streak = lossPct < CLEAR_PCT ? state.streak + 1 : 0;
  return streak >= CLEAR_SAMPLES ? CLEAR_LINK : { lossy: true, streak };
}
const DEFAULT_TOP_HEIGHT = 720;

/** The layer to prefer: 0 (smallest) … layers − 1 (full size). */
export function chooseSpatialLayer({ renderHeight, layers, topHeight, lossy }: LayerChoiceInput): number {
  const top = Math.max(0, Math.min(2, layers - 1));
  let layer = top;
  if (renderHeight !== null && renderHeight > 0) {
    const full = topHeight ?? DEFAULT_TOP_HEIGHT;
    // Layers halve in size downwards: layer i is full / 2^(top − i) high. The smallest one enough.
    layer = 0;
    while (layer < top && (full / 2 ** (top - layer)) * UPSCALE_TOLERANCE < renderHeight) layer++;
  }
  if (lossy && layer > 0) layer--;
  return layer;
}

/** The top layer's height from a frame height seen at a known spatial layer. */
export function topHeightFrom(frameHeight: number, spatialLayer: number, layers: number): number {
  return frameHeight * 2 ** (Math.max(0, layers - 1) - spatialLayer);
}
