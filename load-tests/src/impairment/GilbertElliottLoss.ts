import { assertProbability } from './lossModel.js';
import type { LossModel } from './lossModel.js';
import type { Rng } from './random.js';

/** The two-state Markov chain of a Gilbert–Elliott channel, per packet. */
export interface GilbertElliottParams {
  /** Probability of moving from the good to the bad state after a packet. */
  pGoodToBad: number;
  /** Probability of moving from the bad back to the good state after a packet. */
  pBadToGood: number;
  /** Loss probability while good (default 0: the plain Gilbert model). */
  lossInGood?: number;
  /** Loss probability while bad (default 1: every packet of a bad run is lost). */
  lossInBad?: number;
}

/**
 * Bursty loss, as on a fading radio link or a congested rural uplink: the link
 * alternates between a good and a bad state with geometric run lengths, and loses
 * packets with a different probability in each. Independent loss at the same mean
 * rate hurts video far less than this, since FEC and NACK cope with isolated gaps.
 */
export class GilbertElliottLoss implements LossModel {
  readonly params: Readonly<Required<GilbertElliottParams>>;
  private readonly rng: Rng;
  private bad = false;

  constructor(params: GilbertElliottParams, rng: Rng) {
    const full = { lossInGood: 0, lossInBad: 1, ...params };
    for (const [name, value] of Object.entries(full)) assertProbability(name, value);
    if (full.pGoodToBad > 0 && full.pBadToGood === 0) throw new RangeError('pBadToGood must be above 0, or the link never recovers');
    this.params = full;
    this.rng = rng;
  }

  /**
   * The plain Gilbert model (all packets lost while bad, none while good) that loses
   * `meanLoss` of the packets in bursts of `meanBurstLength` packets on average.
   */
  static fromMeanLoss(meanLoss: number, meanBurstLength: number, rng: Rng): GilbertElliottLoss {
    if (!(meanLoss >= 0 && meanLoss < 1)) throw new RangeError(`mean loss must be from 0 to below 1, got ${meanLoss}`);
    if (!(meanBurstLength >= 1)) throw new RangeError(`mean burst length must be at least 1 packet, got ${meanBurstLength}`);
    const pBadToGood = 1 / meanBurstLength;
    // Stationary P(bad) = pGB / (pGB + pBG) = meanLoss.
    const pGoodToBad = (meanLoss * pBadToGood) / (1 - meanLoss);
    if (pGoodToBad > 1) {
      throw new RangeError(`a mean loss of ${meanLoss} cannot come in bursts of ${meanBurstLength}: the gaps between bursts would be under one packet`);
    }
    return new GilbertElliottLoss({ pGoodToBad, pBadToGood }, rng);
  }

  /** Whether the chain is in its bad state now. */
  get inBadState(): boolean {
    return this.bad;
  }

  get meanLossRate(): number {
    const { pGoodToBad, pBadToGood, lossInGood, lossInBad } = this.params;
    const sum = pGoodToBad + pBadToGood;
    if (sum === 0) return lossInGood;
    return (pBadToGood * lossInGood + pGoodToBad * lossInBad) / sum;
  }

  /** Mean length of a stay in the bad state, in packets (the mean loss burst of the plain Gilbert model). */
  get meanBadRunLength(): number {
    return 1 / this.params.pBadToGood;
  }

  drop(): boolean {
    const { pGoodToBad, pBadToGood, lossInGood, lossInBad } = this.params;
    const lost = this.rng() < (this.bad ? lossInBad : lossInGood);
    // The state moves after each packet, so a run of the bad state is geometric.
    if (this.bad ? this.rng() < pBadToGood : this.rng() < pGoodToBad) this.bad = !this.bad;
    return lost;
  }
}
