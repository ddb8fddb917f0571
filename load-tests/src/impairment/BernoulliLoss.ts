import { assertProbability } from './lossModel.js';
import type { LossModel } from './lossModel.js';
import type { Rng } from './random.js';

/** Independent random loss: each packet is lost with the same probability, whatever happened before. */
export class BernoulliLoss implements LossModel {
  readonly meanLossRate: number;
  private readonly rng: Rng;

  constructor(rate: number, rng: Rng) {
    assertProbability('loss rate', rate);
    this.meanLossRate = rate;
    this.rng = rng;
  }

  drop(): boolean {
    return this.rng() < this.meanLossRate;
  }
}
