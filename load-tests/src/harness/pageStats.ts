import type { Page } from 'playwright-core';

/** Inbound stats as the SDK reports them (ClassBridgeClient.getReceiveStats). */
export interface PageInbound {
  consumerId: string;
  participantId: string;
  source: string;
  kind: 'audio' | 'video';
  codec: string | null;
  packetsReceived: number;
  bytesReceived: number;
  framesDecoded: number;
}

/** Reads receive stats from a demo page (its window.classbridge.client). */
export function receiveStats(page: Page): Promise<PageInbound[]> {
  return page.evaluate(async () => {
    const w = window as unknown as { classbridge?: { client: { getReceiveStats(): Promise<PageInbound[]> } } };
    return w.classbridge ? w.classbridge.client.getReceiveStats() : [];
  });
}

/** Sum of a counter over the tracks that match. */
export function total(stats: PageInbound[], match: Partial<Pick<PageInbound, 'participantId' | 'kind' | 'source'>>, field: 'packetsReceived' | 'framesDecoded' | 'bytesReceived'): number {
  return stats
    .filter((s) => (!match.participantId || s.participantId === match.participantId) && (!match.kind || s.kind === match.kind) && (!match.source || s.source === match.source))
    .reduce((sum, s) => sum + s[field], 0);
}

/** Polls the page's stats until `condition` holds; returns the stats that satisfied it. */
export async function waitForStats(page: Page, condition: (stats: PageInbound[]) => boolean, timeoutMs = 20_000, what = 'stats condition', pollMs = 250): Promise<PageInbound[]> {
  const started = Date.now();
  let last: PageInbound[] = [];
  while (Date.now() - started < timeoutMs) {
    last = await receiveStats(page);
    if (condition(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`${what} not met within ${timeoutMs} ms; last stats: ${JSON.stringify(last)}`);
}
