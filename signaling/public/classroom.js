// A remote classroom's projector page: the teacher big (speaker layout), the other classrooms and
// this room's own camera as a strip, the floor state in large type, and the hand button.
// Also serves ?role=student and ?role=observer seats.
import { ClassBridgeClient, canPublish } from '/sdk/classbridge-sdk.js';
import { applyI18n, bi, both, formatClock, t, t2 } from './i18n.js';
import { linkQuality, sampleOf } from './linkQuality.js';
import {
  LessonState,
  Stage,
  confirmDialog,
  decorateButtons,
  describeLink,
  escapeHtml,
  icon,
  offerSound,
  paintLink,
  params,
  renderConnection,
  renderLevels,
  seatToken,
  setButton,
  setupLayoutSwitch,
  setupCaptions,
  showNotice,
  showToast,
  startClock,
  ui,
  followTracks,
} from './demo-common.js';

const $ = (id) => document.getElementById(id);
applyI18n();
decorateButtons();
startClock($('clock'), formatClock);

const role = params.get('role') ?? 'classroom';
const seat = role === 'classroom' ? { role, classroomId: params.get('classroom') } : { role, ...(params.get('name') ? { displayName: params.get('name') } : {}) };

let client;
try {
  client = new ClassBridgeClient({ url: location.origin, token: await seatToken(seat) });
} catch (error) {
  showNotice({ kind: 'failed' }, error.message);
  throw error;
}
const state = new LessonState(client);
const participants = state.participants;
/** What tests and scripts read: this room's floor, microphone and link quality (linkQuality() result). */
const status = { hasFloor: false, handRaised: false, micPaused: true, link: null };

const ROLE_ORDER = { teacher: 0, classroom: 1, student: 2 };
/** Roles that ask for the floor (the server's rule; the page only shows what is allowed). */
const canRaiseHand = (r) => r === 'classroom' || r === 'student';
const stage = new Stage($('stage'), state, {
  selfLabel: role === 'classroom' ? 'tile.thisClassroom' : 'tile.you',
  // The room's name is in the header; its own tile just says "this classroom".
  selfName: false,
  onRenderSize: (consumerId, size) => client.setRenderSize(consumerId, size),
  order: (p) => ROLE_ORDER[p?.role] ?? 3,
  // Speaker layout: what the teacher spotlights, else the teacher (their shared screen first).
  choose: (s) => {
    const pick = (id) => (id && state.get(id) && (id === state.selfId || participants.get(id)?.connected) ? (s.tileOf(id, 'screen') ?? s.tileOf(id, 'camera')) : undefined);
    const teacher = [...participants.values()].find((p) => p.role === 'teacher' && p.connected);
    return pick(state.spotlight) ?? pick(teacher?.participantId) ?? null;
  },
});
offerSound(stage);
window.classbridge = { client, participants, stage, status, state, ui };

/** Seconds since each track arrived: link quality is judged per interval. */
const ageOf = followTracks(client, stage);
client.on('localSourceChanged', ({ source, paused }) => {
  if (source === 'microphone') status.micPaused = paused;
});

let scheduled = false;
state.onChange((what) => {
  if (what === 'levels') return renderLevels(state);
  if (what === 'connection') {
    renderConnection($('state'), state.connection);
    if (state.connection.state === 'closed' && state.connection.reason === 'left') state.end('left');
    return;
  }
  if (what === 'ended') {
    showNotice(state.ended);
    $('hand').disabled = true;
    $('mic').hidden = true;
    return;
  }
  if (what === 'speaker') stage.speaker = state.activeSpeaker;
  if (what === 'spotlight') stage.spotlight = state.spotlight;
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    if (state.self) showFloor(state.self);
    showEcho(state.self?.echo ?? null);
    stage.sync();
    renderLevels(state);
  });
});
renderConnection($('state'), state.connection);
showFloor(null);

/** The echo warning: the teacher hears this room's loudspeakers come back through its microphone. */
function showEcho(echo) {
  const box = $('echo-warning');
  if (!echo) {
    box.hidden = true;
    return;
  }
  if (box.hidden) box.innerHTML = `${icon('sound')}${bi('echo.self', undefined, { stack: true })}`;
  box.hidden = false;
}

/** The floor banner, hand and microphone buttons for this room's state. */
function showFloor(self) {
  status.hasFloor = !!self?.hasFloor;
  status.handRaised = !!self?.handRaised;
  const mic = self ? state.micState(self.participantId) : 'none';
  const mayRaise = !!self && canRaiseHand(self.role);
  const [kind, key] = !self
    ? ['off', 'floor.listening']
    : !mayRaise
      ? ['off', 'floor.receiveOnly']
      : self.hasFloor
        ? mic === 'muted'
          ? ['muted', 'floor.muted']
          : mic === 'owner'
            ? ['muted', 'mic.owner']
            : ['on', 'floor.on']
        : self.handRaised
          ? ['waiting', 'floor.waiting']
          : ['off', 'floor.listening'];
  const banner = $('floor');
  const html = `${icon(kind === 'on' ? 'mic' : kind === 'waiting' ? 'hand' : 'micOff')}${bi(key, undefined, { stack: true })}`;
  if (banner.dataset.key !== key) {
    banner.dataset.key = key;
    banner.className = `floor-banner ${kind}`;
    banner.innerHTML = html;
  }
  const hand = $('hand');
  hand.hidden = !!self && !mayRaise;
  hand.disabled = !self || status.hasFloor || state.ended !== null;
  const handKey = status.handRaised ? 'btn.lowerHand' : 'btn.raiseHand';
  if (hand.dataset.i18n !== handKey) setButton(hand, handKey);
  hand.classList.toggle('primary', !status.handRaised);
  // With the floor, the room may mute and unmute its own microphone (after the teacher muted it, too).
  const micButton = $('mic');
  micButton.hidden = !status.hasFloor || mic === 'none';
  const micKey = mic === 'live' ? 'btn.micMute' : 'btn.micUnmute';
  if (micButton.dataset.i18n !== micKey) setButton(micButton, micKey, mic === 'live' ? 'mic' : 'micOff');
  micButton.classList.toggle('off', mic !== 'live');
}

$('hand').onclick = async () => {
  try {
    await (status.handRaised ? client.lowerHand() : client.raiseHand());
  } catch (error) {
    showToast(both('toast.failed', { message: error.message }), 'error');
  }
};
$('mic').onclick = async () => {
  try {
    await client.setSourceEnabled('microphone', status.micPaused);
  } catch (error) {
    showToast(both('toast.failed', { message: error.message }), 'error');
  }
};
$('leave').onclick = async () => {
  if (await confirmDialog(`${escapeHtml(t('confirm.leave'))}<br><small>${escapeHtml(t2('confirm.leave'))}</small>`)) await client.leave();
};
// This room's own link (what it receives from everyone), in the header, every 2 s.
let linkSample = null;
const describeOurs = (quality) => describeLink(quality, 'link.ours');
paintLink($('my-link'), null, describeOurs);
setInterval(async () => {
  if (client.state !== 'connected') return paintLink($('my-link'), null, describeOurs);
  try {
    const paused = new Set(client.remoteTracks().filter((track) => track.paused).map((track) => track.consumerId));
    const current = sampleOf(await client.getReceiveStats(), (consumerId) => paused.has(consumerId), Date.now(), ageOf);
    const quality = linkQuality(linkSample, current);
    linkSample = current;
    status.link = quality;
    paintLink($('my-link'), quality, describeOurs);
  } catch (error) {
    console.warn('link quality', error);
  }
}, 2000);

// The projector page starts in speaker layout: the teacher big, classrooms as a strip.
setupLayoutSwitch(stage, 'speaker', `classbridge.layout.${role}`);
setupCaptions(client, `classbridge.captions.${role}`);

const joined = await client.join().catch((error) => {
  state.end('failed');
  showNotice({ kind: 'failed' }, error.message);
  throw error;
});
state.adopt(joined);
document.title = `${joined.self.displayName} · ${joined.lesson.title}`;
$('title').textContent = joined.self.displayName;
$('subtitle').textContent = joined.lesson.title;
stage.spotlight = joined.spotlight;
// The state already holds a speaker notification that overtook the join answer.
stage.speaker = state.activeSpeaker;
showFloor(joined.self);

// A room PC without a working camera or microphone still shows the lesson; the problem is said on screen.
if (canPublish(joined.self.role, 'camera')) {
  try {
    const camera = await client.publishCamera({ width: 960, height: 540 });
    state.setLocal('camera', true);
    stage.addLocal(camera);
  } catch (error) {
    if (client.state !== 'closed') showToast(both('toast.cameraFailed', { message: error.message }), 'error');
  }
}
// The room microphone is published at once but stays silent at the SFU until the teacher grants the floor.
if (canPublish(joined.self.role, 'microphone') && params.get('mic') !== '0') {
  try {
    await client.publishMicrophone();
    if (!state.localMedia.has('microphone')) state.setLocal('microphone', true);
  } catch (error) {
    if (client.state !== 'closed') showToast(both('toast.micFailed', { message: error.message }), 'error');
  }
}
