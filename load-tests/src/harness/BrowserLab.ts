import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage } from './browser.js';
import { startLocalServer } from './localServer.js';
import type { LocalServer } from './localServer.js';

/**
 * A local ClassBridge server plus headless Chromium: what the end-to-end tests
 * and benchmarks need to put real pages into a lesson.
 */
export class BrowserLab {
  readonly server: LocalServer;
  readonly browser: Browser;

  private constructor(server: LocalServer, browser: Browser) {
    this.server = server;
    this.browser = browser;
  }

  static async start(env: Record<string, string> = {}): Promise<BrowserLab> {
    const server = await startLocalServer(env);
    try {
      return new BrowserLab(server, await launchBrowser());
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  /**
   * Opens a demo page (e.g. `teacher.html?lesson=…`) in its own browser context
   * with a token minted for `seat` (the REST token body).
   */
  async openSeat(pagePath: string, seat: Record<string, unknown>): Promise<Page> {
    const lessonId = new URLSearchParams(pagePath.split('?')[1] ?? '').get('lesson');
    if (!lessonId) throw new Error(`${pagePath} names no lesson`);
    const token = await this.server.mintToken(lessonId, seat);
    const separator = pagePath.includes('?') ? '&' : '?';
    return openPage(this.browser, `${this.server.url}/${pagePath}${separator}token=${encodeURIComponent(token)}`);
  }

  async stop(): Promise<void> {
    await this.browser.close();
    await this.server.stop();
  }
}
