// Shared by the demo pages: seat tokens, the lesson's state as the SDK reports it, the video stage
// (speaker and gallery layouts), audio meters, and the page furniture other features fill in:
//
//   Caption area       #captions (one per page, inside the stage area; hidden until a caption arrives)
//                      showCaption(text, speaker)   shows a line, hides itself 8 s after the last one
//                      clearCaption()               hides it now
//   Recording indicator #recording (in the header; hidden unless on)
//                      setRecording(true | false)
//
// Both are also on window.classbridge.ui of each page. Uses only the public SDK API.
import { needsFloor } from '/sdk/classbridge-sdk.js';
import { bi, both, formatNumber } from './i18n.js';
import { qualityClass } from './linkQuality.js';

export const params = new URLSearchParams(location.search);

export function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A token from ?token=… (third-party style) or from the demo seat endpoint. */
export async function seatToken(seat) {
  if (params.get('token')) return params.get('token');
  const response = await fetch(`/demo/lessons/${encodeURIComponent(params.get('lesson'))}/seat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(seat),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${body.error.code}: ${body.error.message}`);
  return body.token;
}

// ---- icons (inline SVG: no icon font to download on a school network) ----------------------

const ICONS = {
  mic: 'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11h-2z',
  micOff:
    'M19 11h-1.7c0 .74-.16 1.43-.43 2.05l1.23 1.23c.56-.98.9-2.09.9-3.28zm-4.02.17c0-.06.02-.11.02-.17V5c0-1.66-1.34-3-3-3S9 3.34 9 5v.18l5.98 5.99zM4.27 3 3 4.27l6.01 6.01V11c0 1.66 1.33 3 2.99 3 .22 0 .44-.03.65-.08l1.66 1.66c-.71.33-1.5.52-2.31.52-2.76 0-5.3-2.1-5.3-5.1H5c0 3.41 2.72 6.23 6 6.72V21h2v-3.28c.91-.13 1.77-.45 2.54-.9L19.73 21 21 19.73 4.27 3z',
  cam: 'M17 10.5V7c0-.55-.45-1-1-1H4c-.55 0-1 .45-1 1v10c0 .55.45 1 1 1h12c.55 0 1-.45 1-1v-3.5l4 4v-11l-4 4z',
  camOff: 'M21 6.5l-4 4V7c0-.55-.45-1-1-1H9.82L21 17.18V6.5zM3.27 2 2 3.27 4.73 6H4c-.55 0-1 .45-1 1v10c0 .55.45 1 1 1h12c.21 0 .39-.08.54-.18L19.73 21 21 19.73 3.27 2z',
  hand: 'M21 6.5V17c0 2.75-2.25 5-5 5h-4.1c-1.35 0-2.63-.54-3.57-1.49L3 15.12l1.2-1.17a1.3 1.3 0 0 1 1.7-.12L8 15.3V5a1.5 1.5 0 0 1 3 0v6h1V3a1.5 1.5 0 0 1 3 0v8h1V4.5a1.5 1.5 0 0 1 3 0V12h1V6.5a1.5 1.5 0 0 1 1-1.41z',
  screen: 'M20 18c1.1 0 2-.9 2-2V6c0-1.1-.9-2-2-2H4c-1.1 0-2 .9-2 2v10c0 1.1.9 2 2 2H0v2h24v-2h-4zm-7-3.53v-2.19c-2.78 0-4.61.85-6 2.72.56-2.67 2.11-5.33 6-5.87V7l4 3.73-4 3.74z',
  gallery: 'M3 3h8v8H3V3zm10 0h8v8h-8V3zM3 13h8v8H3v-8zm10 0h8v8h-8v-8z',
  speaker: 'M2 4h14v16H2V4zm16 0h4v4.7h-4V4zm0 5.65h4v4.7h-4v-4.7zM18 15.3h4V20h-4v-4.7z',
  muteAll:
    'M16.5 12c0-1.77-1.02-3.29-2.5-4.03v2.21l2.45 2.45c.03-.2.05-.41.05-.63zm2.5 0c0 .94-.2 1.82-.54 2.64l1.51 1.51A8.8 8.8 0 0 0 21 12c0-4.28-2.99-7.86-7-8.77v2.06c2.89.86 5 3.54 5 6.71zM4.27 3 3 4.27 7.73 9H3v6h4l5 5v-6.73l4.25 4.25c-.67.52-1.42.93-2.25 1.18v2.06a8.99 8.99 0 0 0 3.69-1.81L19.73 21 21 19.73l-9-9L4.27 3zM12 4 9.91 6.09 12 8.18V4z',
  end: 'M12 9c-1.6 0-3.15.25-4.6.72v3.1c0 .39-.23.74-.56.9-.98.49-1.87 1.12-2.66 1.85-.18.18-.43.28-.7.28-.28 0-.53-.11-.71-.29L.29 13.08A.96.96 0 0 1 0 12.38c0-.28.11-.53.29-.71C3.34 8.78 7.46 7 12 7s8.66 1.78 11.71 4.67c.18.18.29.43.29.71 0 .28-.11.53-.29.71l-2.48 2.48c-.18.18-.43.29-.71.29-.27 0-.52-.11-.7-.28a11.3 11.3 0 0 0-2.67-1.85.99.99 0 0 1-.56-.9v-3.1A14.9 14.9 0 0 0 12 9z',
  leave: 'M10.09 15.59 11.5 17l5-5-5-5-1.41 1.41L12.67 11H3v2h9.67l-2.58 2.59zM19 3H5a2 2 0 0 0-2 2v4h2V5h14v14H5v-4H3v4a2 2 0 0 0 2 2h14c1.1 0 2-.9 2-2V5c0-1.1-.9-2-2-2z',
  cc: 'M19 4H5a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h14c1.1 0 2-.9 2-2V6c0-1.1-.9-2-2-2zm-8 7H9.5v-.5h-2v3h2V13H11v1c0 .55-.45 1-1 1H7c-.55 0-1-.45-1-1v-4c0-.55.45-1 1-1h3c.55 0 1 .45 1 1v1zm7 0h-1.5v-.5h-2v3h2V13H18v1c0 .55-.45 1-1 1h-3c-.55 0-1-.45-1-1v-4c0-.55.45-1 1-1h3c.55 0 1 .45 1 1v1z',
  sound: 'M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 7.97v8.05c1.48-.73 2.5-2.25 2.5-4.02zM14 3.23v2.06c2.89.86 5 3.54 5 6.71s-2.11 5.85-5 6.71v2.06c4.01-.91 7-4.49 7-8.77s-2.99-7.86-7-8.77z',
};

/**
 * Sets a button's content: its icon (data-icon) and its bilingual label (two lines with
 * data-i18n-stack). The key is kept in data-i18n.
 */
export function setButton(element, key = element.dataset.i18n, iconName = element.dataset.icon) {
  element.dataset.i18n = key;
  if (iconName) element.dataset.icon = iconName;
  element.innerHTML = `${iconName ? icon(iconName) : ''}${bi(key, undefined, { stack: 'i18nStack' in element.dataset })}`;
}

/** Gives every static button with data-icon and data-i18n its icon and label. */
export function decorateButtons(root = document) {
  for (const element of root.querySelectorAll('[data-icon][data-i18n]')) setButton(element);
}

/** An inline SVG icon (decorative: the text next to it says what it means). */
export function icon(name, className = '') {
  return `<svg class="icon ${className}" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${ICONS[name]}"/></svg>`;
}

// ---- the lesson as this page sees it -----------------------------------------------------

/** Roles that show up with a camera tile. */
const AV_ROLES = new Set(['teacher', 'classroom', 'student']);

/**
 * Everything the pages render, kept up to date from the client's events: participants (with
 * names), floor, spotlight, active speaker, audio levels, and who has a microphone or camera on.
 * `onChange(fn)` calls fn(what) after each change.
 */
export class LessonState {
  constructor(client) {
    this.client = client;
    /** Everyone else, by participant id (kept after they leave, marked not connected). */
    this.participants = new Map();
    this.self = null;
    this.lesson = null;
    this.floor = { holders: [], raisedHands: [] };
    this.spotlight = null;
    this.activeSpeaker = null;
    /** Participant id → 0..1, from the SFU's audio levels. */
    this.levels = new Map();
    /** `${participantId}:${source}` → { paused, reason } for remote sources we know of. */
    this.remoteMedia = new Map();
    /** source → { paused, reason } for our own published sources. */
    this.localMedia = new Map();
    this.connection = { state: client.state };
    /** Set once the lesson is over for this page: { kind: 'ended' | 'removed' | 'left' | 'failed', reason }. */
    this.ended = null;
    this.listeners = new Set();

    client.on('connectionStateChanged', (connection) => {
      this.connection = connection;
      this.#changed('connection');
    });
    client.on('participantJoined', (p) => this.#upsert(p));
    client.on('participantUpdated', (p) => this.#upsert(p));
    client.on('participantLeft', ({ participantId }) => {
      const p = this.participants.get(participantId);
      if (p) this.participants.set(participantId, { ...p, connected: false, handRaised: false, hasFloor: false });
      this.levels.delete(participantId);
      this.#changed('roster');
    });
    client.on('floorChanged', (floor) => {
      this.floor = floor;
      this.#changed('floor');
    });
    client.on('spotlightChanged', ({ participantId }) => {
      this.spotlight = participantId;
      this.#changed('spotlight');
    });
    client.on('activeSpeaker', ({ participantId }) => {
      this.activeSpeaker = participantId;
      this.#changed('speaker');
    });
    client.on('audioLevels', ({ levels }) => {
      this.levels.clear();
      for (const { participantId, volume } of levels) this.levels.set(participantId, levelOf(volume));
      this.#changed('levels');
    });
    client.on('trackAdded', ({ participantId, source, paused }) => {
      const known = this.remoteMedia.get(`${participantId}:${source}`);
      this.remoteMedia.set(`${participantId}:${source}`, { paused, reason: paused ? (known?.reason ?? null) : null });
      this.#changed('media');
    });
    client.on('trackRemoved', ({ participantId, source }) => {
      this.remoteMedia.delete(`${participantId}:${source}`);
      this.#changed('media');
    });
    client.on('remoteSourceChanged', ({ participantId, source, paused, reason }) => {
      this.remoteMedia.set(`${participantId}:${source}`, { paused, reason: reason ?? null });
      this.#changed('media');
    });
    client.on('localSourceChanged', ({ source, paused, reason }) => {
      this.localMedia.set(source, { paused, reason: reason ?? null });
      this.#changed('media');
    });
    client.on('removed', ({ reason }) => this.end('removed', reason));
    client.on('lessonEnded', ({ reason }) => this.end('ended', reason));
    // Everyone sees while the lesson records (the SDK reports it from the join answer and on every change).
    client.on('recordingChanged', ({ recording }) => setRecording(recording));
  }

  /** Takes in what join() answered. */
  adopt(joined) {
    this.self = joined.self;
    this.lesson = joined.lesson;
    this.floor = joined.floor;
    this.spotlight = joined.spotlight;
    // A speaker notification seen during the join is newer than the answer's snapshot.
    this.activeSpeaker = this.activeSpeaker ?? joined.activeSpeaker ?? null;
    for (const p of joined.participants) this.participants.set(p.participantId, p);
    this.#changed('roster');
  }

  /** A source of ours is published (not paused) or gone. */
  setLocal(source, published) {
    if (published) this.localMedia.set(source, { paused: false, reason: null });
    else this.localMedia.delete(source);
    this.#changed('media');
  }

  end(kind, reason) {
    if (this.ended) return;
    this.ended = { kind, reason };
    this.#changed('ended');
  }

  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get selfId() {
    return this.self?.participantId ?? this.client.self?.participantId ?? null;
  }

  /** A participant (self included) by id. */
  get(participantId) {
    return participantId === this.selfId ? this.self : this.participants.get(participantId);
  }

  /** The name to show: never the id; "…" while it is not known yet. */
  nameOf(participantId) {
    return this.get(participantId)?.displayName || '…';
  }

  /** Connected participants who show up with a camera tile, self included. */
  avParticipants() {
    const list = [...this.participants.values()].filter((p) => p.connected && AV_ROLES.has(p.role));
    if (this.self && AV_ROLES.has(this.self.role)) list.push(this.self);
    return list;
  }

  /** 'live' | 'noFloor' | 'muted' | 'owner' | 'none' */
  micState(participantId) {
    const media = participantId === this.selfId ? this.localMedia.get('microphone') : this.remoteMedia.get(`${participantId}:microphone`);
    if (!media) return 'none';
    if (!media.paused) return 'live';
    // A room microphone without the floor is quiet whatever else happened to it (muted earlier, say):
    // "no floor" is the state that matters, and the calm one to show.
    const p = this.get(participantId);
    if (media.reason === 'no-floor' || (p && !p.hasFloor && needsFloor(p.role, 'microphone'))) return 'noFloor';
    // Paused before we arrived, reason unknown: muted.
    return media.reason ?? 'muted';
  }

  /** 'on' | 'off' | 'none' */
  camState(participantId) {
    const media = participantId === this.selfId ? this.localMedia.get('camera') : this.remoteMedia.get(`${participantId}:camera`);
    if (!media) return 'none';
    return media.paused ? 'off' : 'on';
  }

  #upsert(p) {
    if (p.participantId === this.selfId) this.self = p;
    else this.participants.set(p.participantId, p);
    this.#changed('roster');
  }

  #changed(what) {
    for (const listener of this.listeners) listener(what);
  }
}

/**
 * dBov (-127..0) → 0..1 for a meter: -70 dBov (the SFU's threshold, below which it reports
 * silence) is empty, -20 (a raised voice near the room microphone) and above is full.
 */
export function levelOf(volume) {
  return Math.min(1, Math.max(0, (volume + 70) / 50));
}

const MIC_TEXT = { live: 'mic.live', noFloor: 'mic.noFloor', muted: 'mic.muted', owner: 'mic.owner', none: 'mic.none' };
const CAM_TEXT = { on: 'cam.on', off: 'cam.off', none: 'cam.none' };

/** Microphone state icon with its meaning as tooltip and accessible name. */
export function micIcon(state) {
  return `<span class="state-icon mic-${state}" role="img" data-mic="${state}" title="${escapeHtml(both(MIC_TEXT[state]))}" aria-label="${escapeHtml(both(MIC_TEXT[state]))}">${icon(state === 'live' ? 'mic' : 'micOff')}</span>`;
}

export function camIcon(state) {
  return `<span class="state-icon cam-${state}" role="img" data-cam="${state}" title="${escapeHtml(both(CAM_TEXT[state]))}" aria-label="${escapeHtml(both(CAM_TEXT[state]))}">${icon(state === 'on' ? 'cam' : 'camOff')}</span>`;
}

/** An audio meter for a participant; renderLevels() moves it. */
export function meterHtml(participantId) {
  return `<span class="meter" data-meter="${escapeHtml(participantId)}" data-level="0" title="${escapeHtml(both('level.title'))}"><span class="fill"></span></span>`;
}

/** Moves every meter on the page to the participant's current level. */
export function renderLevels(state, root = document) {
  for (const meter of root.querySelectorAll('.meter[data-meter]')) {
    const level = state.levels.get(meter.dataset.meter) ?? 0;
    meter.dataset.level = level.toFixed(2);
    meter.classList.toggle('active', level > 0);
    meter.firstElementChild.style.transform = `scaleX(${level.toFixed(3)})`;
  }
}

/** A link-quality indicator (five bars); renderLink() fills it. */
export function linkHtml(participantId) {
  return `<span class="link q-none" data-link="${escapeHtml(participantId)}" tabindex="0" role="img" aria-label="${escapeHtml(both('link.none'))}" title="${escapeHtml(both('link.none'))}">${'<i></i>'.repeat(5)}</span>`;
}

/** Fills every indicator of a participant with a linkQuality() result (and a tooltip with the figures). */
export function renderLink(participantId, quality, describe = describeLink, root = document) {
  for (const element of root.querySelectorAll(`.link[data-link="${CSS.escape(participantId)}"]`)) paintLink(element, quality, describe);
}

/** The indicator's tooltip: score and the figures behind it, "中文 English" per line. */
export function describeLink(quality, titleKey = 'link.title') {
  if (!quality || quality.score === null) return `${both(titleKey)}: ${both('link.none')}`;
  const head = `${both(titleKey)}: ${quality.score}/5`;
  if (quality.score === 0) return `${head}\n${both('link.down')}`;
  return [
    head,
    `${both('link.loss')}: ${formatNumber(quality.lossPct, 1)} %`,
    `${both('link.rtt')}: ${quality.rttMs === null ? '–' : `${formatNumber(quality.rttMs)} ms`}`,
    `${both('link.freezes')}: ${formatNumber(quality.freezes)}`,
    `${both('link.jitter')}: ${formatNumber(quality.jitterMs)} ms`,
    `${both('link.concealment')}: ${formatNumber(quality.concealmentPct, 1)} %`,
  ].join('\n');
}

export function paintLink(element, quality, describe = describeLink) {
  const score = quality?.score ?? null;
  element.className = `link q-${qualityClass(score)}`;
  if (score === null) delete element.dataset.score;
  else element.dataset.score = String(score);
  element.querySelectorAll('i').forEach((bar, index) => bar.classList.toggle('on', score !== null && index < score));
  const text = describe(quality);
  element.title = text;
  element.setAttribute('aria-label', text);
}

// ---- the stage: one tile per participant camera (and screen), in speaker or gallery layout ----

/**
 * Renders the lesson's video: a tile per connected participant with a camera role (a placeholder
 * while their camera is off or not there yet) and per shared screen, audio into hidden <audio>s.
 *
 * Layouts: 'speaker' (one big tile, chosen by `choose(stage)`, the others as a strip) and
 * 'gallery' (a grid). The stage element gets the class layout-speaker or layout-gallery.
 */
export class Stage {
  /**
   * choose(stage): the big tile in speaker layout (null: a "waiting for the teacher" placeholder).
   * selfLabel: string key of the tag on this page's own tile; selfName: show our name there too.
   * order(participant): rank in the strip and grid. showLink: a link-quality indicator per tile.
   * onRenderSize(consumerId, size): how big each received video is shown (null: hidden), so the
   * SDK can ask for the simulcast layer that size needs (client.setRenderSize).
   */
  constructor(element, state, { choose, selfLabel, selfName = true, order, showLink = false, onRenderSize = () => undefined }) {
    this.onRenderSize = onRenderSize;
    // Layout changes (speaker ↔ gallery, the big tile changing) resize videos: each one says its new size.
    this.resizes = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const consumerId = entry.target.closest('.tile')?.dataset.consumer;
        const { width, height } = entry.contentRect;
        if (consumerId) this.onRenderSize(consumerId, width > 0 && height > 0 ? { width, height } : null);
      }
    });
    this.element = element;
    this.selfName = selfName;
    this.showLink = showLink;
    this.state = state;
    this.participants = state.participants;
    this.choose = choose;
    this.selfLabel = selfLabel;
    this.order = order;
    this.tiles = new Map();
    this.audios = new Map();
    this.layout = 'speaker';
    /** The active speaker (participant id), as the SFU reports it. */
    this.speaker = null;
    this.spotlight = null;
    this.waiting = document.createElement('div');
    this.waiting.className = 'tile waiting';
    this.waiting.innerHTML = `<div class="placeholder"><span class="ph-text">${bi('tile.waitingTeacher', undefined, { stack: true })}</span></div>`;
    this.waiting.hidden = true;
    element.append(this.waiting);
    /** Called when audio cannot start without a click (browser autoplay policy). */
    this.onAudioBlocked = () => undefined;
  }

  addLocal(track, source = 'camera') {
    const tile = this.#tile(`self:${source}`, this.state.selfId, source);
    tile.classList.add('self');
    const video = tile.querySelector('video');
    video.srcObject = new MediaStream([track]);
    tile.dataset.hasTrack = '1';
    this.sync();
  }

  removeLocal(source) {
    this.#drop(`self:${source}`);
    this.sync();
  }

  addRemote({ consumerId, participantId, source, kind, track }) {
    if (kind === 'audio') {
      const audio = new Audio();
      audio.autoplay = true;
      audio.srcObject = new MediaStream([track]);
      this.audios.set(consumerId, audio);
      audio.play().catch((error) => {
        if (error?.name === 'NotAllowedError') this.onAudioBlocked();
      });
      return;
    }
    const tile = this.#tile(`${participantId}:${source}`, participantId, source);
    tile.dataset.consumer = consumerId;
    tile.dataset.hasTrack = '1';
    const video = tile.querySelector('video');
    video.srcObject = new MediaStream([track]);
    this.sync();
    // The observer reports changes; the size it starts at is said here (a tile laid out already may not change).
    this.resizes.unobserve(video);
    this.resizes.observe(video);
  }

  removeRemote({ consumerId, participantId, source, kind }) {
    if (kind === 'audio') {
      const audio = this.audios.get(consumerId);
      if (audio) audio.srcObject = null;
      this.audios.delete(consumerId);
      return;
    }
    const key = `${participantId}:${source}`;
    const tile = this.tiles.get(key);
    if (tile && tile.dataset.consumer === consumerId) {
      if (source === 'screen') this.#drop(key);
      else {
        // The participant stays on the stage (camera off or reconnecting) until they leave.
        tile.querySelector('video').srcObject = null;
        delete tile.dataset.hasTrack;
        delete tile.dataset.consumer;
      }
    }
    this.sync();
  }

  /** Plays audio the browser held back until a click. */
  resumeAudio() {
    for (const audio of this.audios.values()) audio.play().catch(() => undefined);
  }

  setSpeaker(participantId) {
    this.speaker = participantId;
    this.sync();
  }

  setSpotlight(participantId) {
    this.spotlight = participantId;
    this.sync();
  }

  setLayout(layout) {
    this.layout = layout === 'gallery' ? 'gallery' : 'speaker';
    this.sync();
  }

  /** Brings tiles in line with the lesson state (who is here, names, mic/camera, hands, floor) and lays them out. */
  sync() {
    const state = this.state;
    const present = new Set(state.avParticipants().map((p) => p.participantId));
    for (const id of present) {
      if (id === state.selfId) continue;
      this.#tile(`${id}:camera`, id, 'camera');
    }
    for (const [key, tile] of this.tiles) {
      const id = tile.dataset.participant;
      if (!tile.classList.contains('self') && !present.has(id)) this.#drop(key);
    }
    for (const tile of this.tiles.values()) this.#refresh(tile);
    this.#arrange();
  }

  /** Tiles in display order. */
  orderedTiles() {
    return [...this.tiles.values()].sort((a, b) => this.#rank(a) - this.#rank(b) || (a.dataset.name ?? '').localeCompare(b.dataset.name ?? '', 'zh-CN'));
  }

  #rank(tile) {
    if (tile.classList.contains('self')) return 1000;
    return (this.order?.(this.state.get(tile.dataset.participant)) ?? 10) * 10 + (tile.dataset.source === 'screen' ? -1 : 0);
  }

  #refresh(tile) {
    const state = this.state;
    const id = tile.dataset.participant;
    const p = state.get(id);
    const isSelf = tile.classList.contains('self');
    const screen = tile.dataset.source === 'screen';
    const name = state.nameOf(id);
    tile.dataset.name = name;
    const cam = screen ? 'on' : state.camState(id);
    tile.classList.toggle('no-video', !tile.dataset.hasTrack || cam === 'off');
    tile.classList.toggle('speaking', id === this.speaker && state.micState(id) === 'live');
    tile.classList.toggle('spotlight', id === this.spotlight);
    tile.classList.toggle('has-floor', !!p?.hasFloor);
    tile.classList.toggle('hand-up', !!p?.handRaised);
    tile.title = [name, p?.school].filter(Boolean).join(' · ');

    const label = tile.querySelector('.label');
    const tags = [isSelf && this.selfLabel ? this.selfLabel : null, !isSelf && p?.role === 'teacher' ? 'role.teacher' : null, screen ? 'tile.screen' : null].filter(Boolean);
    const nameHtml = `${!isSelf || this.selfName ? `<span class="name">${escapeHtml(name)}</span>` : ''}${tags.map((key) => `<span class="tag">${bi(key)}</span>`).join('')}`;
    const mic = screen ? '' : micIcon(state.micState(id));
    const signature = `${mic}|${nameHtml}`;
    if (label.dataset.signature !== signature) {
      label.dataset.signature = signature;
      label.querySelector('.mic-slot').innerHTML = mic;
      label.querySelector('.name-slot').innerHTML = nameHtml;
    }
    const badges = [p?.hasFloor ? `<span class="tile-badge floor">${icon('mic')}${bi('badge.floor')}</span>` : '', p?.handRaised ? `<span class="tile-badge hand">${icon('hand')}${bi('badge.hand')}</span>` : '', id === this.spotlight ? `<span class="tile-badge spot">${bi('badge.spotlight')}</span>` : ''].join('');
    const badgeBox = tile.querySelector('.tile-badges');
    if (badgeBox.dataset.signature !== badges) {
      badgeBox.dataset.signature = badges;
      badgeBox.innerHTML = badges;
    }
    const placeholder = tile.querySelector('.placeholder');
    const phKey = cam === 'off' ? 'tile.cameraOff' : 'tile.noCamera';
    if (placeholder.dataset.key !== `${phKey}|${name}`) {
      placeholder.dataset.key = `${phKey}|${name}`;
      placeholder.innerHTML = `<span class="avatar">${escapeHtml(name === '…' ? '…' : [...name][0])}</span><span class="ph-text">${bi(phKey)}</span>`;
    }
  }

  #arrange() {
    const tiles = this.orderedTiles();
    tiles.forEach((tile, index) => (tile.style.order = String(index + 1)));
    const big = this.layout === 'speaker' ? this.choose(this) : null;
    const showWaiting = this.layout === 'speaker' && !big;
    this.waiting.hidden = !showWaiting;
    for (const tile of tiles) tile.classList.toggle('big', tile === big);
    this.waiting.classList.toggle('big', showWaiting);
    const strip = tiles.length - (big ? 1 : 0);
    const element = this.element;
    element.classList.toggle('layout-speaker', this.layout === 'speaker');
    element.classList.toggle('layout-gallery', this.layout === 'gallery');
    element.classList.toggle('solo', this.layout === 'speaker' && strip === 0);
    element.style.setProperty('--strip-rows', String(Math.max(3, strip)));
    const count = Math.max(1, tiles.length);
    const cols = count <= 1 ? 1 : count <= 4 ? 2 : count <= 9 ? 3 : 4;
    element.style.setProperty('--cols', String(cols));
    element.style.setProperty('--rows', String(Math.ceil(count / cols)));
    element.dataset.tiles = String(tiles.length);
  }

  /** The tile of a participant's source, if on stage (self: the local one). */
  tileOf(participantId, source = 'camera') {
    if (participantId === this.state.selfId) return this.tiles.get(`self:${source}`);
    return this.tiles.get(`${participantId}:${source}`);
  }

  #drop(key) {
    const tile = this.tiles.get(key);
    if (!tile) return;
    tile.querySelector('video').srcObject = null;
    tile.remove();
    this.tiles.delete(key);
  }

  #tile(key, participantId, source) {
    let tile = this.tiles.get(key);
    if (!tile) {
      tile = document.createElement('figure');
      tile.className = 'tile no-video';
      tile.dataset.participant = participantId ?? '';
      tile.dataset.source = source;
      tile.innerHTML = `<video autoplay playsinline muted></video><div class="placeholder"></div><div class="tile-badges"></div>
        <figcaption class="label"><span class="mic-slot"></span><span class="name-slot"></span>${meterHtml(participantId ?? '')}${this.showLink && !key.startsWith('self:') ? linkHtml(participantId ?? '') : ''}</figcaption>`;
      const video = tile.querySelector('video');
      video.muted = true; // video only; sound plays through the <audio>s
      this.element.append(tile);
      this.tiles.set(key, tile);
    }
    if (participantId) tile.dataset.participant = participantId;
    tile.querySelector('.meter').dataset.meter = tile.dataset.participant;
    return tile;
  }
}

// ---- page furniture -------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

/** The connection pill in the header. */
export function renderConnection(element, { state }) {
  element.dataset.state = state;
  element.innerHTML = `<span class="dot"></span>${bi(`state.${state}`)}`;
}

/** The header clock in the school's locale, updated every 10 s. */
export function startClock(element, format) {
  const tick = () => {
    const now = new Date();
    element.textContent = format(now);
    element.dateTime = now.toISOString();
  };
  tick();
  setInterval(tick, 10_000);
}

/**
 * The speaker / gallery switch: #layout-speaker and #layout-gallery buttons. The choice is kept
 * per page in localStorage; ?layout= overrides it.
 */
export function setupLayoutSwitch(stage, fallback, storageKey) {
  const stored = (() => {
    try {
      return localStorage.getItem(storageKey);
    } catch {
      return null;
    }
  })();
  const apply = (layout, remember) => {
    stage.setLayout(layout);
    for (const name of ['speaker', 'gallery']) $(`layout-${name}`).setAttribute('aria-pressed', String(stage.layout === name));
    if (remember) {
      try {
        localStorage.setItem(storageKey, stage.layout);
      } catch {
        // private mode: not remembered
      }
    }
  };
  $('layout-speaker').addEventListener('click', () => apply('speaker', true));
  $('layout-gallery').addEventListener('click', () => apply('gallery', true));
  apply(params.get('layout') ?? stored ?? fallback, false);
}

let captionTimer = null;

/**
 * Shows a caption line (speaker optional) in #captions; it hides itself 8 s after the last one.
 * A partial caption (the speaker is still talking) is drawn lighter until its final text arrives.
 */
export function showCaption(text, speaker, { partial = false } = {}) {
  const box = $('captions');
  if (!box) return;
  box.querySelector('.caption-speaker').textContent = speaker ?? '';
  box.querySelector('.caption-speaker').hidden = !speaker;
  box.querySelector('.caption-text').textContent = text;
  box.classList.toggle('partial', partial);
  box.hidden = !text;
  clearTimeout(captionTimer);
  captionTimer = setTimeout(clearCaption, 8000);
}

export function clearCaption() {
  const box = $('captions');
  if (box) box.hidden = true;
  clearTimeout(captionTimer);
}

/**
 * Live captions from the SDK's `caption` event, and the #captions-toggle button that turns them on
 * or off for this viewer only (kept in localStorage; ?captions=off overrides it). A newer utterance
 * replaces an older one; a late partial of an utterance already shown final is ignored.
 */
export function setupCaptions(client, storageKey) {
  const button = $('captions-toggle');
  let enabled = (params.get('captions') ?? readStored(storageKey) ?? 'on') !== 'off';
  let current = { captionId: null, final: false };
  const apply = (on, remember) => {
    enabled = on;
    button?.setAttribute('aria-pressed', String(on));
    if (!on) clearCaption();
    if (remember) writeStored(storageKey, on ? 'on' : 'off');
  };
  button?.addEventListener('click', () => apply(!enabled, true));
  apply(enabled, false);
  client.on('caption', (caption) => {
    if (!enabled) return;
    if (caption.captionId === current.captionId && current.final && !caption.final) return;
    current = { captionId: caption.captionId, final: caption.final };
    showCaption(caption.text, caption.speaker, { partial: !caption.final });
  });
}

function readStored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStored(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // private mode: not remembered
  }
}

/** Shows or hides the recording indicator (#recording). */
export function setRecording(on) {
  const element = $('recording');
  if (element) element.hidden = !on;
}

/** A short message at the bottom of the screen. */
export function showToast(text, kind = 'info') {
  let box = $('toast');
  if (!box) {
    box = document.createElement('div');
    box.id = 'toast';
    box.setAttribute('role', 'status');
    document.body.append(box);
  }
  box.className = `toast ${kind}`;
  box.textContent = text;
  box.hidden = false;
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => (box.hidden = true), 4000);
}

/** A calm modal question instead of the browser's confirm(); resolves true for OK. */
export function confirmDialog(message, { danger = false } = {}) {
  let dialog = $('confirm');
  if (!dialog) {
    dialog = document.createElement('dialog');
    dialog.id = 'confirm';
    dialog.innerHTML = `<form method="dialog"><p class="question"></p><div class="dialog-actions"><button value="cancel" class="btn">${bi('btn.cancel')}</button><button value="ok" class="btn ok">${bi('btn.confirm')}</button></div></form>`;
    document.body.append(dialog);
  }
  dialog.querySelector('.question').innerHTML = message;
  dialog.querySelector('.ok').className = `btn ok ${danger ? 'danger-solid' : 'primary'}`;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

const NOTICE = { ended: 'notice.ended', removed: 'notice.removed', replaced: 'notice.replaced', 'token-expired': 'notice.tokenExpired', left: 'notice.left', failed: 'notice.failed' };

/** A full-page notice when the lesson is over for this page (ended, removed, left…), with a way back in where that makes sense. */
export function showNotice({ kind, reason }, detail) {
  let box = $('notice');
  if (!box) {
    box = document.createElement('div');
    box.id = 'notice';
    document.body.append(box);
  }
  const key = NOTICE[kind === 'removed' ? reason : kind] ?? NOTICE[kind] ?? 'notice.failed';
  const rejoin = kind === 'left' || kind === 'failed' || reason === 'replaced';
  box.innerHTML = `<div class="notice-card" role="alert"><h2>${bi(key, undefined, { stack: true })}</h2>${kind === 'ended' ? `<p>${bi('notice.endedDetail', undefined, { stack: true })}</p>` : ''}${detail ? `<p class="detail">${escapeHtml(detail)}</p>` : ''}${rejoin ? `<button class="btn primary big" id="rejoin">${bi('notice.rejoin')}</button>` : ''}</div>`;
  box.hidden = false;
  $('rejoin')?.addEventListener('click', () => location.reload());
}

/** The "click to turn the sound on" bar, for browsers that hold audio back until a click. */
export function offerSound(stage) {
  stage.onAudioBlocked = () => {
    let bar = $('enable-sound');
    if (!bar) {
      bar = document.createElement('button');
      bar.id = 'enable-sound';
      bar.className = 'btn primary big';
      bar.innerHTML = `${icon('sound')}${bi('btn.enableSound')}`;
      bar.addEventListener('click', () => {
        stage.resumeAudio();
        bar.remove();
      });
      document.body.append(bar);
    }
  };
}

/** window.classbridge.ui: the hooks captions and recording fill in. */
/** Puts remote tracks on the stage; returns how many seconds ago a track (by consumer id) arrived. */
export function followTracks(client, stage) {
  const started = new Map();
  client.on('trackAdded', (track) => {
    started.set(track.consumerId, performance.now());
    stage.addRemote(track);
  });
  client.on('trackRemoved', (track) => {
    started.delete(track.consumerId);
    stage.removeRemote(track);
  });
  return (consumerId) => (started.has(consumerId) ? (performance.now() - started.get(consumerId)) / 1000 : null);
}

export const ui = { showCaption, clearCaption, setRecording, showToast };
