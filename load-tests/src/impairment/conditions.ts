import { BernoulliLoss } from './BernoulliLoss.js';
import { GilbertElliottLoss } from './GilbertElliottLoss.js';
import type { GilbertElliottParams } from './GilbertElliottLoss.js';
import type { DelayJitterOptions, JitterDistribution } from './DelayJitter.js';
import type { LossModel } from './lossModel.js';
import type { Rng } from './random.js';

/** Bursty loss given by its effect rather than its chain: the plain Gilbert model that matches both numbers. */
export interface BurstLossTarget {
  /** Long-run fraction of packets lost, 0..<1. */
  meanLoss: number;
  /** Mean number of packets lost in a row, ≥ 1. */
  meanBurstLength: number;
}

/**
 * What one direction of a link does to packets. Every field is optional; an empty
 * object is a perfect link. Applied in the order a real access link applies them:
 * outage, then the rate cap's queue, then loss on the wire, then delay and jitter.
 */
export interface LinkConditions {
  /** Independent (Bernoulli) loss probability per packet, 0..1. */
  loss?: number;
  /** Bursty (Gilbert–Elliott) loss instead of `loss`: the chain itself, or a mean loss and burst length. */
  burstLoss?: GilbertElliottParams | BurstLossTarget;
  /** Base one-way delay in ms. */
  delayMs?: number;
  /** Delay spread in ms, see {@link DelayJitterOptions.jitterMs}. */
  jitterMs?: number;
  /** Shape of the jitter (default 'uniform'). */
  jitterDistribution?: JitterDistribution;
  /** Never let jitter reorder packets (default true); see {@link DelayJitterOptions.keepOrder} for its effect on the delays. */
  keepOrder?: boolean;
  /** Bandwidth cap in kbit/s; none when absent. */
  rateKbps?: number;
  /** Drop-tail queue in front of the cap, in bytes (default 250 ms of the rate). */
  queueBytes?: number;
  /** Link-layer bytes counted per packet against the cap (default 0). */
  overheadBytes?: number;
}

/** The loss model the conditions ask for, or null for a lossless link. */
export function createLossModel(conditions: LinkConditions, rng: Rng): LossModel | null {
  const { loss, burstLoss } = conditions;
  if (loss !== undefined && burstLoss !== undefined) throw new RangeError('give either loss or burstLoss, not both');
  if (burstLoss !== undefined) {
    return 'meanLoss' in burstLoss
      ? GilbertElliottLoss.fromMeanLoss(burstLoss.meanLoss, burstLoss.meanBurstLength, rng)
      : new GilbertElliottLoss(burstLoss, rng);
  }
  return loss === undefined ? null : new BernoulliLoss(loss, rng);
}
