import type { Browser, Page } from 'playwright-core';

/**
 * A page that uses the SDK the way a third-party app does: it imports the served
 * bundle (/sdk/classbridge-sdk.js) and drives a ClassBridgeClient, exposed as
 * `window.cb` (with `window.cbEvents`, every event it emitted, in order).
 */
export interface SdkPage {
  page: Page;
  /** Runs `code` with `client` (the page's ClassBridgeClient) in scope and returns its result. */
  run<T>(code: string, arg?: unknown): Promise<T>;
  /** Runs `code` (as `run` does) every `pollMs` until it returns something truthy, and returns that; throws after `timeoutMs`. */
  waitFor<T>(code: string, arg?: unknown, timeoutMs?: number, pollMs?: number): Promise<T>;
  /** Events the client emitted so far: `{ name, payload }`, payloads made JSON-safe, with when (performance.now() and Date.now() in the page). */
  events(name?: string): Promise<Array<{ name: string; payload: any; at: number; wallMs: number }>>;
}

const EVENT_NAMES = [
  'connectionStateChanged',
  'trackAdded',
  'trackRemoved',
  'participantJoined',
  'participantUpdated',
  'participantLeft',
  'remoteSourceChanged',
  'activeSpeaker',
  'audioLevels',
  'floorChanged',
  'spotlightChanged',
  'localSourceChanged',
  'removed',
  'lessonEnded',
  'recordingChanged',
  'caption',
  'mediaPath',
  'networkQuality',
  'echo',
  'error',
];

/**
 * Opens `originUrl` (any page of the ClassBridge server, for the origin), creates a client
 * for `token` and records its events. `join` (default true) also joins before returning.
 */
export async function openSdkPage(
  browser: Browser,
  originUrl: string,
  client: { url?: string; token: string; joinTimeoutMs?: number; forceRelay?: boolean },
  { join = true }: { join?: boolean } = {},
): Promise<SdkPage> {
  // The test drives the page with code strings; the server's strict CSP (no eval) is for apps, not for this harness.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  page.on('pageerror', (error) => process.stderr.write(`[page error] ${error.message}\n`));
  await page.goto(`${originUrl}/healthz`);
  await page.evaluate(
    async ({ options, names, origin }) => {
      const sdk = await import(`${origin}/sdk/classbridge-sdk.js`);
      const w = window as any;
      w.cbEvents = [];
      w.cb = new sdk.ClassBridgeClient({ ...options, url: options.url ?? origin });
      for (const name of names) {
        w.cb.on(name, (payload: any) => {
          const safe = payload && typeof payload === 'object' ? Object.fromEntries(Object.entries(payload).filter(([key]) => key !== 'track')) : payload;
          w.cbEvents.push({ name, payload: JSON.parse(JSON.stringify(safe ?? null)), at: performance.now(), wallMs: Date.now() });
        });
      }
    },
    { options: client, names: EVENT_NAMES, origin: originUrl },
  );
  const sdkPage: SdkPage = {
    page,
    run: <T>(code: string, arg?: unknown) =>
      page.evaluate(
        // eslint-disable-next-line no-new-func
        async ({ code, arg }) => new Function('client', 'arg', `return (async () => { ${code} })();`)((window as any).cb, arg),
        { code, arg },
      ) as Promise<T>,
    async waitFor<T>(code: string, arg?: unknown, timeoutMs = 20_000, pollMs = 250): Promise<T> {
      const started = Date.now();
      let last: unknown;
      while (Date.now() - started < timeoutMs) {
        last = await sdkPage.run<unknown>(code, arg);
        if (last) return last as T;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      throw new Error(`not true within ${timeoutMs} ms: ${code} (last: ${JSON.stringify(last)})`);
    },
    events: (name) => page.evaluate((wanted) => (window as any).cbEvents.filter((e: { name: string }) => !wanted || e.name === wanted), name ?? null),
  };
  if (join) await sdkPage.run('await client.join();');
  return sdkPage;
}

/**
 * Plays every track the page's client receives, as an app's page does (the browser pulls audio out
 * of its jitter buffer only for playout: without it audio stats stay empty). Tracks added later
 * are played too.
 */
export async function playRemoteMedia(page: SdkPage): Promise<void> {
  await page.run(`
    const play = async (t) => {
      const el = document.createElement(t.kind);
      el.muted = t.kind === 'video';
      el.autoplay = true;
      el.srcObject = new MediaStream([t.track]);
      el.dataset.consumer = t.consumerId;
      document.body.append(el);
      await el.play().catch(() => {});
    };
    for (const t of client.remoteTracks()) await play(t);
    client.on('trackAdded', (t) => void play(t));
  `);
}
