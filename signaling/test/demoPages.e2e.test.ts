import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import { BrowserLab, total, waitForStats } from '@classbridge/load-tests';

jest.setTimeout(90_000);

const LESSON = 'demo-music-g4';
const ROOM_A = 'classroom-qh-shangling-g4';
const ROOM_B = 'classroom-qh-baishi-g4-2';
const ROOM_X = 'classroom-qh-xiahe-mixed';
const NAMES: Record<string, string> = {
  [ROOM_A]: '上岭村小学 四年级',
  [ROOM_B]: '白石镇中心小学 四年级(2)班',
  [ROOM_X]: '下河教学点 复式班',
};
const TEACHER_NAME = '王丽';
/** Committed with the change, so a reviewer sees the pages without running them. */
const SCREENSHOTS = fileURLToPath(new URL('../../load-tests/reports/screenshots/', import.meta.url));

type Facts = {
  scrollWidth: number;
  clientWidth: number;
  scrollHeight: number;
  clientHeight: number;
  buttonsOverflowing: string[];
  buttonsOutside: string[];
  tiles: Array<{ participant: string; big: boolean; area: number }>;
  toolbarHeight: number;
};

/** Layout facts a screenshot should agree with: nothing wider than the screen, no page scrolling, no clipped button. */
function layoutFacts(page: Page): Promise<Facts> {
  return page.evaluate(() => {
    const visible = (e: Element) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    };
    const buttons = [...document.querySelectorAll<HTMLElement>('.btn')].filter(visible);
    const describe = (e: HTMLElement) => e.id || e.dataset['act'] || e.textContent?.trim() || e.className;
    return {
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      scrollHeight: document.documentElement.scrollHeight,
      clientHeight: document.documentElement.clientHeight,
      buttonsOverflowing: buttons.filter((b) => b.scrollWidth > b.clientWidth + 1 || b.scrollHeight > b.clientHeight + 1).map(describe),
      // Buttons of the roster may be scrolled out of view vertically (it scrolls); none may stick out sideways.
      buttonsOutside: buttons.filter((b) => b.getBoundingClientRect().right > innerWidth + 0.5 || b.getBoundingClientRect().left < -0.5).map(describe),
      tiles: [...document.querySelectorAll<HTMLElement>('#stage .tile:not(.waiting)')].map((t) => {
        const r = t.getBoundingClientRect();
        return { participant: t.dataset['participant'] ?? '', big: t.classList.contains('big'), area: Math.round(r.width * r.height) };
      }),
      toolbarHeight: document.getElementById('toolbar')!.getBoundingClientRect().height,
    };
  });
}

/**
 * The demo pages as a school uses them: the teacher console and two remote classrooms'
 * projector pages in a lesson, with a third classroom that came and went.
 */
describe('demo pages in Chromium', () => {
  let lab: BrowserLab;
  let teacher: Page;
  let roomA: Page;
  let roomB: Page;

  const classroom = (classroomId: string, extra = '') => lab.openSeat(`classroom.html?lesson=${LESSON}&classroom=${classroomId}${extra}`, { role: 'classroom', classroomId });
  const rosterItem = (id: string) => `#people li[data-participant="${id}"]`;

  beforeAll(async () => {
    // Two floor holders, so that "mute all" has two live classroom microphones to silence.
    lab = await BrowserLab.start({ MAX_FLOOR_HOLDERS: '2' });
    teacher = await lab.openSeat(`teacher.html?lesson=${LESSON}`, { role: 'teacher', displayName: TEACHER_NAME });
    // A classroom that joins and leaves again: the console keeps it, offline.
    const visitor = await classroom('qh-xiahe-mixed', '&mic=0');
    await visitor.waitForFunction(() => (window as any).classbridge?.client.state === 'connected', null, { timeout: 20_000 });
    await teacher.waitForFunction((id) => (window as any).classbridge.participants.get(id)?.connected === true, ROOM_X, { timeout: 10_000 });
    await visitor.evaluate(() => (window as any).classbridge.client.leave());
    await visitor.context().close();
    roomA = await classroom('qh-shangling-g4');
    roomB = await classroom('qh-baishi-g4-2');
    for (const id of [ROOM_A, ROOM_B]) await waitForStats(teacher, (s) => total(s, { participantId: id, kind: 'video' }, 'framesDecoded') > 5, 30_000, `${id} video at the teacher`);
    await waitForStats(roomB, (s) => total(s, { participantId: 'teacher', kind: 'video' }, 'framesDecoded') > 5, 30_000, 'teacher video in room B');
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('shows names, never ids, in Chinese first with English beneath', async () => {
    for (const id of [ROOM_A, ROOM_B]) {
      await teacher.waitForSelector(`#stage .tile[data-participant="${id}"] .name`);
      expect(await teacher.textContent(`#stage .tile[data-participant="${id}"] .name`)).toBe(NAMES[id]);
      expect(await teacher.textContent(`${rosterItem(id)} .name`)).toBe(NAMES[id]);
      expect(await teacher.textContent(`${rosterItem(id)} .school`)).toContain('(');
    }
    expect(await roomB.textContent('#stage .tile[data-participant="teacher"] .name')).toBe(TEACHER_NAME);
    expect(await roomB.textContent(`#stage .tile[data-participant="${ROOM_A}"] .name`)).toBe(NAMES[ROOM_A]);
    expect(await roomB.textContent('#title')).toBe(NAMES[ROOM_B]);
    for (const page of [teacher, roomA, roomB]) {
      const text = await page.evaluate(() => document.body.innerText);
      expect(text).not.toMatch(/classroom-qh-|qh-[a-z]+-g\d/);
      expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
      // The header clock is in the school's locale: 11月24日周二 09:30.
      expect(await page.textContent('#clock')).toMatch(/\d+月\d+日/);
      expect(await page.textContent('#state')).toMatch(/^已连接\s*Connected$/);
    }
    // Chinese first, English second, from the one string table.
    const pair = (page: Page, selector: string) => page.$eval(selector, (e) => [e.querySelector('.t1')?.textContent, e.querySelector('.t2')?.textContent]);
    expect(await pair(teacher, '#mute-all')).toEqual(['全体静音', 'Mute all']);
    expect(await pair(teacher, '#end')).toEqual(['下课', 'End lesson']);
    expect(await pair(roomA, '#hand')).toEqual(['举手', 'Raise hand']);
    expect(await pair(roomA, '#floor')).toEqual(['听课中', 'Listening']);
    expect(await pair(teacher, '#layout-gallery')).toEqual(['宫格', 'Gallery']);
    // The string table serves English first on request, and dates follow the locale.
    const english = await teacher.evaluate(async () => {
      const url = '/i18n.js?lang-check';
      const i18n = await import(url);
      return { zh: i18n.t('btn.muteAll'), en: i18n.t2('btn.muteAll'), date: i18n.formatDateTime('2026-11-24T01:30:00Z', { dateStyle: 'long', timeZone: 'Asia/Shanghai' }) };
    });
    expect(english).toEqual({ zh: '全体静音', en: 'Mute all', date: '2026年11月24日' });
  });

  it('lets the teacher dismiss a raised hand without granting, and grant one', async () => {
    await roomA.click('#hand');
    await roomA.waitForFunction(() => (window as any).classbridge.status.handRaised === true, null, { timeout: 10_000 });
    expect(await roomA.textContent('#floor')).toContain('已举手');
    const dismiss = teacher.locator(`#hands button[data-act="dismiss"][data-id="${ROOM_A}"]`);
    await dismiss.waitFor({ timeout: 10_000 });
    expect(await teacher.textContent(`#hands li[data-participant="${ROOM_A}"] .name`)).toBe(NAMES[ROOM_A]);
    expect(await teacher.textContent('#hand-count')).toBe('1');
    await dismiss.click();
    await roomA.waitForFunction(() => (window as any).classbridge.status.handRaised === false, null, { timeout: 10_000 });
    await teacher.waitForFunction(() => document.querySelectorAll('#hands li').length === 0, null, { timeout: 10_000 });
    expect(await roomA.evaluate(() => (window as any).classbridge.status.hasFloor)).toBe(false);
    expect(await roomA.textContent('#floor')).toContain('听课中');

    await roomA.click('#hand');
    const grant = teacher.locator(`#hands button[data-act="grant"][data-id="${ROOM_A}"]`);
    await grant.waitFor({ timeout: 10_000 });
    await grant.click();
    await roomA.waitForFunction(() => (window as any).classbridge.status.hasFloor === true, null, { timeout: 10_000 });
    await roomA.waitForFunction(() => document.getElementById('floor')!.textContent!.includes('正在发言'), null, { timeout: 10_000 });
    expect(await roomA.textContent('#floor')).toContain('You have the floor');
    // The console shows A's microphone live and offers to end its floor.
    await teacher.waitForSelector(`${rosterItem(ROOM_A)} [data-mic="live"]`, { timeout: 10_000 });
    expect(await teacher.$(`${rosterItem(ROOM_A)} button[data-act="revoke"]`)).not.toBeNull();
  });

  it('mutes every live classroom microphone with "mute all"', async () => {
    await teacher.click(`${rosterItem(ROOM_B)} button[data-act="grant"]`);
    for (const id of [ROOM_A, ROOM_B]) await teacher.waitForSelector(`${rosterItem(id)} [data-mic="live"]`, { timeout: 10_000 });
    await teacher.evaluate(() => {
      const w = window as any;
      w.sourceChanges = [];
      w.classbridge.client.on('remoteSourceChanged', (change: unknown) => w.sourceChanges.push(change));
    });
    await teacher.click('#mute-all');
    for (const id of [ROOM_A, ROOM_B]) await teacher.waitForSelector(`${rosterItem(id)} [data-mic="muted"]`, { timeout: 10_000 });
    const changes: Array<{ participantId: string; source: string; paused: boolean; reason?: string }> = await teacher.evaluate(() => (window as any).sourceChanges);
    for (const id of [ROOM_A, ROOM_B]) expect(changes).toContainEqual(expect.objectContaining({ participantId: id, source: 'microphone', paused: true, reason: 'muted' }));
    for (const room of [roomA, roomB]) {
      await room.waitForFunction(() => (window as any).classbridge.status.micPaused === true, null, { timeout: 10_000 });
      expect(await room.textContent('#floor')).toContain('老师已静音本教室');
    }
    // Nothing left to mute: the buttons say so by being disabled.
    expect(await teacher.isDisabled(`${rosterItem(ROOM_A)} button[data-act="mute"]`)).toBe(true);
    expect(await teacher.textContent('#toast')).toContain('已静音 2');
    // A room holding the floor may turn its microphone back on from the projector page.
    await roomA.click('#mic');
    await roomA.waitForFunction(() => (window as any).classbridge.status.micPaused === false, null, { timeout: 10_000 });
    await teacher.waitForSelector(`${rosterItem(ROOM_A)} [data-mic="live"]`, { timeout: 10_000 });
  });

  it('shows a link-quality score for each connected classroom, both ways (what the teacher receives, what the classroom reports receiving)', async () => {
    for (const id of [ROOM_A, ROOM_B]) {
      const selector = `${rosterItem(id)} .link[data-score]`;
      // The classroom's own report (its SDK's networkQuality, relayed by the server) joins the teacher's measurement.
      await teacher.waitForSelector(`${selector}[title*="教室收到的 What the classroom receives"]`, { timeout: 15_000 });
      const score = Number(await teacher.getAttribute(selector, 'data-score'));
      // Loopback: packets arrive, so the link is not "down".
      expect(score).toBeGreaterThanOrEqual(1);
      expect(score).toBeLessThanOrEqual(5);
      const tooltip = (await teacher.getAttribute(selector, 'title'))!;
      expect(tooltip).toMatch(/^老师收到的 What the teacher receives: [0-5]\/5\n丢包 Loss: [\d.]+ %\n往返时延 RTT: /);
      // The indicator shows the worse of the two directions.
      const both = [...tooltip.matchAll(/: ([0-5])\/5/g)].map((m) => Number(m[1]));
      expect(both).toHaveLength(2);
      expect(score).toBe(Math.min(...both));
      expect(await teacher.$$eval(`${rosterItem(id)} .link i.on`, (bars) => bars.length)).toBe(score);
      expect(await teacher.getAttribute(`#stage .tile[data-participant="${id}"] .link`, 'data-score')).toMatch(/^[0-5]$/);
    }
    // The score itself is a pure function.
    const scores = await teacher.evaluate(async () => {
      const url = '/linkQuality.js';
      const { linkQuality } = await import(url);
      const sample = (packetsReceived: number, packetsLost: number, extra = {}) => ({ at: 0, tracks: 2, packetsReceived, packetsLost, freezeCount: 0, rttMs: 20, jitterMs: 5, audio: [], ...extra });
      const audio = (ratio: number, age: number) => ({ audio: [{ consumerId: 'c1', ratio, age }] });
      return {
        clean: linkQuality(sample(1000, 0), sample(1200, 0)).score,
        lossy: linkQuality(sample(1000, 0), sample(1180, 20)).score,
        slowAndLossy: linkQuality(sample(1000, 0), sample(1180, 20, { rttMs: 600 })).score,
        down: linkQuality(sample(1000, 0), sample(1000, 0)).score,
        nothingToMeasure: linkQuality(null, { ...sample(0, 0), tracks: 0 }).score,
        // 1 % concealed over the first 10 s, 3 % after 12 s: 13 % of the last 2 s were invented.
        concealing: linkQuality(sample(1000, 0, audio(0.01, 10)), sample(1200, 0, audio(0.03, 12))),
        // A mute long ago left 12 % in the running ratio; nothing new was concealed since.
        concealedLongAgo: linkQuality(sample(1000, 0, audio(0.12, 10)), sample(1200, 0, audio(0.1, 12))).score,
      };
    });
    expect(scores).toMatchObject({ clean: 5, lossy: 2, slowAndLossy: 1, down: 0, nothingToMeasure: null, concealedLongAgo: 5, concealing: { score: 3 } });
    expect(scores.concealing.concealmentPct).toBeCloseTo(13, 5);
  });

  it("moves the audio meters with the teacher's voice and stops them when she mutes", async () => {
    // Chromium's fake microphone beeps so briefly that the SFU's level observer (500 ms average,
    // -70 dBov threshold) rarely reports it; a steady tone stands in for a speaking teacher.
    await teacher.waitForFunction(() => (window as any).classbridge.state.localMedia.has('microphone'), null, { timeout: 10_000 });
    await teacher.evaluate(async () => {
      const context = new AudioContext();
      const tone = context.createOscillator();
      const gain = context.createGain();
      gain.gain.value = 0.3;
      const out = context.createMediaStreamDestination();
      tone.connect(gain).connect(out);
      tone.start();
      await (window as any).classbridge.client.publishTrack('microphone', out.stream.getAudioTracks()[0]);
    });
    const meter = '#stage .tile[data-participant="teacher"] .meter';
    await roomB.waitForFunction((selector) => Number(document.querySelector<HTMLElement>(selector)?.dataset['level']) > 0.2, meter, { timeout: 10_000 });
    // The bar itself is scaled, not only the attribute: at some moment of the tone to 0.3 or more
    // (read when it is, not right after the attribute passed 0.2: a level of 0.24 in between is real).
    await roomB.waitForFunction((selector) => /^scaleX\(0\.[3-9]|^scaleX\(1/.test(document.querySelector<HTMLElement>(`${selector} .fill`)?.style.transform ?? ''), meter, { timeout: 10_000 });
    await teacher.waitForFunction(() => Number(document.querySelector<HTMLElement>('#stage .tile.self .meter')?.dataset['level']) > 0.2, null, { timeout: 10_000 });
    await teacher.click('#mic');
    await roomB.waitForFunction((selector) => document.querySelector<HTMLElement>(selector)?.dataset['level'] === '0.00', meter, { timeout: 10_000 });
    await roomB.waitForSelector('#stage .tile[data-participant="teacher"] [data-mic="owner"]', { timeout: 10_000 });
    expect(await pairText(teacher, '#mic')).toEqual(['解除静音', 'Unmute']);
    await teacher.click('#mic');
    await roomB.waitForFunction((selector) => Number(document.querySelector<HTMLElement>(selector)?.dataset['level']) > 0.2, meter, { timeout: 10_000 });
  });

  it('switches between speaker and gallery; the teacher is big on the projector; spotlight overrides', async () => {
    expect(await roomB.getAttribute('#stage', 'class')).toContain('layout-speaker');
    expect(await roomB.getAttribute('#stage .tile.big', 'data-participant')).toBe('teacher');
    expect(await roomB.getAttribute('#layout-speaker', 'aria-pressed')).toBe('true');
    await roomB.click('#layout-gallery');
    expect(await roomB.getAttribute('#stage', 'class')).toContain('layout-gallery');
    expect(await roomB.$('#stage .tile.big')).toBeNull();
    expect(await roomB.getAttribute('#layout-gallery', 'aria-pressed')).toBe('true');
    await roomB.click('#layout-speaker');
    expect(await roomB.getAttribute('#stage', 'class')).toContain('layout-speaker');

    // The console starts in gallery and switches too.
    expect(await teacher.getAttribute('#stage', 'class')).toContain('layout-gallery');
    await teacher.click('#layout-speaker');
    expect(await teacher.getAttribute('#stage', 'class')).toContain('layout-speaker');
    await teacher.click('#layout-gallery');

    // The teacher spotlights classroom A: it becomes the big tile on B's projector, until cleared.
    await teacher.click(`${rosterItem(ROOM_A)} button[data-act="spotlight"]`);
    await roomB.waitForSelector(`#stage .tile.big[data-participant="${ROOM_A}"]`, { timeout: 10_000 });
    expect(await roomB.textContent(`#stage .tile[data-participant="${ROOM_A}"] .tile-badges`)).toContain('聚焦');
    await teacher.click(`${rosterItem(ROOM_A)} button[data-act="spotlight"]`);
    await roomB.waitForSelector('#stage .tile.big[data-participant="teacher"]', { timeout: 10_000 });
  });

  it('collapses offline participants, without moderation buttons', async () => {
    await teacher.waitForSelector(`#offline-list li[data-participant="${ROOM_X}"]`, { state: 'attached', timeout: 10_000 });
    expect(await teacher.isVisible('#offline')).toBe(true);
    expect(await teacher.$eval('#offline', (details) => (details as HTMLDetailsElement).open)).toBe(false);
    expect(await teacher.isVisible(`#offline-list li[data-participant="${ROOM_X}"]`)).toBe(false);
    expect((await teacher.textContent('#offline summary'))?.replace(/\s+/g, ' ')).toBe('离线 Offline (1)');
    expect(await teacher.textContent(`#offline-list li[data-participant="${ROOM_X}"] .name`)).toBe(NAMES[ROOM_X]);
    expect(await teacher.$$(`#offline button, [data-act][data-id="${ROOM_X}"]`)).toHaveLength(0);
    expect(await teacher.$(rosterItem(ROOM_X))).toBeNull();
    expect(await teacher.$(`#stage .tile[data-participant="${ROOM_X}"]`)).toBeNull();
    await teacher.click('#offline summary');
    expect(await teacher.isVisible(`#offline-list li[data-participant="${ROOM_X}"]`)).toBe(true);
    await teacher.click('#offline summary');
  });

  it('fits 1366×768 and 1024×600 (screenshots in load-tests/reports/screenshots)', async () => {
    // A lesson in full swing: A holds the floor and speaks, B raised its hand, one classroom left.
    await teacher.click(`${rosterItem(ROOM_B)} button[data-act="revoke"]`);
    await roomB.waitForFunction(() => (window as any).classbridge.status.hasFloor === false, null, { timeout: 10_000 });
    await roomB.click('#hand');
    await teacher.waitForSelector(`#hands li[data-participant="${ROOM_B}"]`, { timeout: 10_000 });
    await roomB.waitForFunction(() => document.getElementById('floor')!.textContent!.includes('已举手'), null, { timeout: 10_000 });
    await teacher.waitForFunction(() => document.querySelectorAll('#people .link[data-score]').length === 2, null, { timeout: 10_000 });

    // The "muted 2 microphones" toast of the mute-all step would still be fading out.
    await teacher.evaluate(() => document.getElementById('toast')?.setAttribute('hidden', ''));
    await fs.mkdir(SCREENSHOTS, { recursive: true });
    for (const [width, height] of [
      [1366, 768],
      [1024, 600],
    ] as const) {
      for (const [name, page] of [
        ['teacher', teacher],
        ['classroom', roomB],
      ] as const) {
        await page.setViewportSize({ width, height });
        await page.waitForTimeout(600); // layout, then a fresh video frame
        const facts = await layoutFacts(page);
        const where = `${name} at ${width}×${height}`;
        expect({ where, horizontalScroll: facts.scrollWidth > facts.clientWidth }).toEqual({ where, horizontalScroll: false });
        expect({ where, verticalScroll: facts.scrollHeight > facts.clientHeight }).toEqual({ where, verticalScroll: false });
        expect({ where, overflowing: facts.buttonsOverflowing, outside: facts.buttonsOutside }).toEqual({ where, overflowing: [], outside: [] });
        // One toolbar row (≈ 60 px), not a wrapped pile of buttons.
        expect(facts.toolbarHeight).toBeLessThan(80);
        if (name === 'classroom') {
          const largest = facts.tiles.reduce((a, b) => (b.area > a.area ? b : a));
          expect(largest).toMatchObject({ participant: 'teacher', big: true });
          // The teacher fills most of the projector: at least 40 % of the screen.
          expect(largest.area / (width * height)).toBeGreaterThan(0.4);
          for (const tile of facts.tiles.filter((t) => t !== largest)) expect(tile.area * 3).toBeLessThan(largest.area);
        } else {
          expect(facts.tiles.map((t) => t.participant).sort()).toEqual([ROOM_A, ROOM_B, 'teacher'].sort());
        }
        await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}x${height}.png`) });
      }
    }
    // The areas other features fill: a caption over the teacher, and the recording indicator.
    await roomB.setViewportSize({ width: 1366, height: 768 });
    expect(await roomB.isVisible('#captions')).toBe(false);
    expect(await roomB.isVisible('#recording')).toBe(false);
    await roomB.evaluate(() => {
      const { ui } = (window as any).classbridge;
      ui.setRecording(true);
      ui.showCaption('同学们，我们一起来唱《茉莉花》。', '王丽');
    });
    expect(await roomB.textContent('#captions')).toContain('同学们');
    expect(await roomB.textContent('#recording')).toMatch(/录制中\s*Recording/);
    const [caption, big] = await Promise.all([roomB.$eval('#captions', (e) => e.getBoundingClientRect().toJSON()), roomB.$eval('#stage .tile.big', (e) => e.getBoundingClientRect().toJSON())]);
    // Centred over the teacher's tile, inside it.
    expect(Math.abs(caption.x + caption.width / 2 - (big.x + big.width / 2))).toBeLessThan(2);
    expect(caption.bottom).toBeLessThan(big.bottom);
    await roomB.waitForTimeout(300);
    await roomB.screenshot({ path: path.join(SCREENSHOTS, 'classroom-1366x768-caption-recording.png') });
    await roomB.evaluate(() => {
      const { ui } = (window as any).classbridge;
      ui.setRecording(false);
      ui.clearCaption();
    });
    expect(await roomB.isVisible('#captions')).toBe(false);
  });
});

function pairText(page: Page, selector: string): Promise<Array<string | null | undefined>> {
  return page.$eval(selector, (e) => [e.querySelector('.t1')?.textContent, e.querySelector('.t2')?.textContent]);
}
