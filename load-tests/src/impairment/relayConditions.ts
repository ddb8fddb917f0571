import type { LinkConditions } from './conditions.js';

/** The two directions through a relay: `up` is client → target, `down` is target → client. */
export type RelayDirection = 'up' | 'down';

/** Conditions for a relay's directions; `both` is the base, `up`/`down` override its fields. */
export interface RelayConditions {
  up?: LinkConditions;
  down?: LinkConditions;
  both?: LinkConditions;
}

/**
 * The new conditions of each direction that `change` names (a direction it leaves
 * out is absent from the result, so it keeps what it has).
 */
export function resolveRelayConditions(change: RelayConditions): Partial<Record<RelayDirection, LinkConditions>> {
  const resolved: Partial<Record<RelayDirection, LinkConditions>> = {};
  for (const direction of ['up', 'down'] as const) {
    const own = change[direction];
    if (change.both || own) resolved[direction] = { ...change.both, ...own };
  }
  return resolved;
}

/** Parses 'up', 'down' or 'both' into the directions meant. */
export function directionsOf(which: RelayDirection | 'both'): RelayDirection[] {
  return which === 'both' ? ['up', 'down'] : [which];
}
