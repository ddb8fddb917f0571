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
  /** Packet loss of the receive link over the last interval, %. */
  lossPct: number;
}

/** A layer this much smaller than the rendered size still looks right (a little upscaling is invisible). */
const UPSCALE_TOLERANCE = 1.25;
/** Loss at which one layer less is asked for (FEC and NACK cope below it). */
const LOSSY_PCT = 8;
const DEFAULT_TOP_HEIGHT = 720;

/** The layer to prefer: 0 (smallest) … layers − 1 (full size). */
export function chooseSpatialLayer({ renderHeight, layers, topHeight, lossPct }: LayerChoiceInput): number {
  const top = Math.max(0, Math.min(2, layers - 1));
  let layer = top;
  if (renderHeight !== null && renderHeight > 0) {
    const full = topHeight ?? DEFAULT_TOP_HEIGHT;
    // Layers halve in size downwards: layer i is full / 2^(top − i) high. The smallest one enough.
    layer = 0;
    while (layer < top && (full / 2 ** (top - layer)) * UPSCALE_TOLERANCE < renderHeight) layer++;
  }
  if (lossPct >= LOSSY_PCT && layer > 0) layer--;
  return layer;
}

/** The top layer's height from a frame height seen at a known spatial layer. */
export function topHeightFrom(frameHeight: number, spatialLayer: number, layers: number): number {
  return frameHeight * 2 ** (Math.max(0, layers - 1) - spatialLayer);
}
