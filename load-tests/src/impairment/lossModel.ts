/** Decides, packet by packet, whether a link loses the packet. Stateful: call once per packet, in order. */
export interface LossModel {
  /** True when this packet is lost. */
  drop(): boolean;
  /** The long-run fraction of packets lost. */
  readonly meanLossRate: number;
}

/** Throws unless `value` is a probability (0..1). */
export function assertProbability(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be a probability from 0 to 1, got ${value}`);
}
