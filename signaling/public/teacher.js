// The teacher's console: the classrooms on a stage (gallery by default), raised hands and the roster
// with floor control and moderation, mute all, a link-quality indicator and an audio meter per classroom.
import { ClassBridgeClient } from '/sdk/classbridge-sdk.js';
import { applyI18n, bi, both, formatClock, t, t2 } from './i18n.js';
import { byParticipant, linkQuality, sampleOf } from './linkQuality.js';
import {
  LessonState,
  Stage,
  camIcon,
  confirmDialog,
  escapeHtml,
  linkHtml,
  meterHtml,
  micIcon,
  offerSound,
  paintLink,
  params,
  renderConnection,
  renderLevels,
  seatToken,
  decorateButtons,
  describeLink,
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

let client;
try {
  client = new ClassBridgeClient({ url: location.origin, token: await seatToken({ role: 'teacher' }) });
} catch (error) {
  showNotice({ kind: 'failed' }, error.message);
  throw error;
}
const state = new LessonState(client);
const participants = state.participants;
/** Link quality per participant id: the last linkQuality() result and the sample it came from. */
const links = new Map();
const samples = new Map();

const ROLE_ORDER = { teacher: 0, classroom: 1, student: 2 };
const stage = new Stage($('stage'), state, {
  selfLabel: 'tile.you',
  showLink: true,
  onRenderSize: (consumerId, size) => client.setRenderSize(consumerId, size),
  order: (p) => ROLE_ORDER[p?.role] ?? 3,
  // Speaker layout: the spotlighted participant, else the classroom holding the floor, else the first classroom.
  choose: (s) => {
    const pick = (id) => (id && participants.get(id)?.connected ? (s.tileOf(id, 'screen') ?? s.tileOf(id, 'camera')) : undefined);
    return pick(state.spotlight) ?? state.floor.holders.map(pick).find(Boolean) ?? s.orderedTiles().find((tile) => !tile.classList.contains('self')) ?? s.tileOf(state.selfId);
  },
});
offerSound(stage);
window.classbridge = { client, participants, stage, state, ui, links };

/** Seconds since each track arrived: link quality is judged per interval. */
const ageOf = followTracks(client, stage);
client.on('error', ({ code, message }) => console.warn('classbridge', code, message));
// A classroom leaking the teacher back: said once when it starts; the roster badge stays while it lasts.
client.on('echo', ({ participantId, warning }) => {
  if (warning) showToast(both('echo.toast', { name: state.nameOf(participantId) }), 'error');
});

let scheduled = false;
state.onChange((what) => {
  if (what === 'levels') return renderLevels(state);
  if (what === 'connection') return renderConnection($('state'), state.connection);
  if (what === 'ended') {
    showNotice(state.ended);
    for (const id of ['camera', 'mic', 'screen', 'mute-all', 'end']) $(id).disabled = true;
    return;
  }
  if (what === 'speaker') stage.speaker = state.activeSpeaker;
  if (what === 'spotlight') stage.spotlight = state.spotlight;
  // Several events often arrive together (a grant changes floor, participant and producer): render once.
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    stage.sync();
    renderRoster();
    renderLevels(state);
    for (const [id, quality] of links) for (const element of document.querySelectorAll(`.link[data-link="${CSS.escape(id)}"]`)) paintLink(element, quality, describeBothWays);
  });
});
renderConnection($('state'), state.connection);

// ---- roster ----------------------------------------------------------------------------

const VISIBLE_ROLES = new Set(['teacher', 'classroom', 'student', 'observer']);
const FLOOR_ROLES = new Set(['classroom', 'student']);

function namesHtml(p) {
  const school = p.school && p.school !== p.displayName ? `<span class="school">${escapeHtml(p.school)}</span>` : '';
  return `<div class="names" title="${escapeHtml([p.displayName, p.school].filter(Boolean).join('\n'))}"><b class="name">${escapeHtml(p.displayName || '…')}</b>${school}</div>`;
}

function button(act, id, key, className = '', disabled = false) {
  return `<button class="btn sm ${className}" data-act="${act}" data-id="${escapeHtml(id)}"${disabled ? ' disabled' : ''}>${bi(key, undefined, { stack: true })}</button>`;
}

function renderRoster() {
  const everyone = [...participants.values()].filter((p) => VISIBLE_ROLES.has(p.role));
  const rank = (p) => (p.hasFloor ? 0 : p.handRaised ? 1 : 2) * 10 + (ROLE_ORDER[p.role] ?? 3);
  const byRank = (a, b) => rank(a) - rank(b) || a.displayName.localeCompare(b.displayName, 'zh-CN');
  const online = everyone.filter((p) => p.connected).sort(byRank);
  const offline = everyone.filter((p) => !p.connected).sort(byRank);

  const hands = state.floor.raisedHands.map((id) => participants.get(id)).filter((p) => p?.connected);
  $('hand-count').textContent = String(hands.length);
  $('hands-box').classList.toggle('empty', hands.length === 0);
  $('hands-empty').hidden = hands.length > 0;
  $('hands').innerHTML = hands
    .map((p) => {
      const id = p.participantId;
      return `<li class="person hand" data-participant="${escapeHtml(id)}"><div class="who">${namesHtml(p)}</div>
        <div class="actions">${button('grant', id, 'btn.grant', 'primary')}${button('dismiss', id, 'btn.dismiss')}</div></li>`;
    })
    .join('');

  $('online-count').textContent = String(online.length);
  $('people-empty').hidden = online.length > 0;
  $('people').innerHTML = online
    .map((p) => {
      const id = p.participantId;
      const mic = state.micState(id);
      const badges = [
        // Most of the roster are classrooms: only other roles are named.
        p.role === 'classroom' ? '' : `<span class="badge role">${bi(`role.${p.role}`)}</span>`,
        p.hasFloor ? `<span class="badge floor">${bi('badge.floor')}</span>` : '',
        p.handRaised ? `<span class="badge hand">${bi('badge.hand')}</span>` : '',
        state.spotlight === id ? `<span class="badge spot">${bi('badge.spotlight')}</span>` : '',
        // The server hears the teacher come back through this classroom's microphone.
        p.echo ? `<span class="badge echo" title="${escapeHtml(both('echo.hint', { delay: p.echo.delayMs ?? '?' }))}">${bi('badge.echo')}</span>` : '',
      ].join('');
      const actions = [];
      if (FLOOR_ROLES.has(p.role)) {
        actions.push(p.hasFloor ? button('revoke', id, 'btn.revoke', 'warn') : button('grant', id, 'btn.grant', 'primary'));
        // Muting does something only while the microphone is live.
        actions.push(button('mute', id, 'btn.mute', '', mic !== 'live'));
      }
      if (p.role !== 'observer') actions.push(button('spotlight', id, state.spotlight === id ? 'btn.unspotlight' : 'btn.spotlight', state.spotlight === id ? 'on' : ''));
      actions.push(button('remove', id, 'btn.remove', 'danger'));
      const media = p.role === 'observer' ? '' : `<div class="indicators"><div class="icons">${micIcon(mic)}${camIcon(state.camState(id))}${linkHtml(id)}</div>${meterHtml(id)}</div>`;
      return `<li class="person${p.hasFloor ? ' floor' : ''}${p.handRaised ? ' hand' : ''}" data-participant="${escapeHtml(id)}">
        <div class="who">${namesHtml(p)}${media}</div>
        ${badges ? `<div class="status-row">${badges}</div>` : ''}
        <div class="actions">${actions.join('')}</div></li>`;
    })
    .join('');

  // Offline: collapsed, names only; nothing to moderate there.
  $('offline').hidden = offline.length === 0;
  $('offline-count').textContent = String(offline.length);
  $('offline-list').innerHTML = offline
    .map((p) => `<li class="person off" data-participant="${escapeHtml(p.participantId)}"><div class="who">${namesHtml(p)}<span class="badge role">${bi(`role.${p.role}`)}</span></div></li>`)
    .join('');
}

document.body.addEventListener('click', async (event) => {
  const target = event.target.closest('button[data-act]');
  if (!target) return;
  const id = target.dataset.id;
  const name = state.nameOf(id);
  const actions = {
    grant: () => client.grantFloor(id),
    // "Not now": lowers the hand without giving the floor.
    dismiss: () => client.dismissHand(id),
    revoke: () => client.revokeFloor(id),
    mute: () => client.muteParticipant(id),
    spotlight: () => client.spotlight(state.spotlight === id ? null : id),
    remove: async () => {
      const message = `${escapeHtml(t('confirm.remove', { name }))}<br><small>${escapeHtml(t2('confirm.remove', { name }))}</small>`;
      if (await confirmDialog(message, { danger: true })) await client.removeParticipant(id);
    },
  };
  target.disabled = true;
  try {
    await actions[target.dataset.act]?.();
  } catch (error) {
    showToast(both('toast.failed', { message: error.message }), 'error');
  } finally {
    if (target.isConnected) target.disabled = false;
  }
});

// ---- link quality: every 2 s from the receive stats of each participant's tracks --------

async function sampleLinks() {
  if (client.state !== 'connected') return;
  const stats = await client.getReceiveStats();
  const paused = new Set(client.remoteTracks().filter((track) => track.paused).map((track) => track.consumerId));
  const groups = byParticipant(stats);
  for (const p of participants.values()) {
    const id = p.participantId;
    if (!p.connected) {
      links.delete(id);
      samples.delete(id);
      continue;
    }
    const current = sampleOf(groups.get(id) ?? [], (consumerId) => paused.has(consumerId), Date.now(), ageOf);
    const quality = withReported(linkQuality(samples.get(id) ?? null, current), p.network);
    samples.set(id, current);
    links.set(id, quality);
    for (const element of document.querySelectorAll(`.link[data-link="${CSS.escape(id)}"]`)) paintLink(element, quality, describeBothWays);
  }
}
setInterval(() => void sampleLinks().catch((error) => console.warn('link quality', error)), 2000);

/**
 * A classroom's link both ways: what the teacher receives from it, and what it reports receiving
 * (its SDK's networkQuality, relayed by the server). The indicator shows the worse of the two.
 */
function withReported(received, reported) {
  const scores = [received.score, reported?.score].filter((score) => typeof score === 'number');
  return { ...received, score: scores.length ? Math.min(...scores) : null, received, reported: reported ?? null };
}

function describeBothWays(quality) {
  if (!quality?.received) return describeLink(quality);
  const lines = [describeLink(quality.received, 'link.received')];
  if (quality.reported) lines.push(describeLink(quality.reported, 'link.reported'));
  return lines.join('\n\n');
}

// ---- toolbar ---------------------------------------------------------------------------

setupLayoutSwitch(stage, 'gallery', 'classbridge.layout.teacher');
setupCaptions(client, 'classbridge.captions.teacher');

const joined = await client.join().catch((error) => {
  state.end('failed');
  showNotice({ kind: 'failed' }, error.message);
  throw error;
});
state.adopt(joined);
document.title = `${joined.lesson.title} · ${t('page.teacher')}`;
$('title').textContent = joined.lesson.title;
$('subtitle').innerHTML = `${escapeHtml(joined.self.displayName)} · ${bi('role.teacher')}`;
stage.spotlight = joined.spotlight;
// The state already holds a speaker notification that overtook the join answer.
stage.speaker = state.activeSpeaker;

// ?codec=h264 sends H264 instead of VP8 (room PCs with hardware encoders). A missing camera or
// microphone is reported and the console goes on with what works.
const [camera, microphone] = await Promise.allSettled([client.publishCamera(params.get('codec') === 'h264' ? { codec: 'H264' } : {}), client.publishMicrophone()]);
if (camera.status === 'fulfilled') {
  state.setLocal('camera', true);
  stage.addLocal(camera.value);
} else if (client.state !== 'closed') showToast(both('toast.cameraFailed', { message: camera.reason?.message }), 'error');
if (microphone.status === 'fulfilled') state.setLocal('microphone', true);
else if (client.state !== 'closed') showToast(both('toast.micFailed', { message: microphone.reason?.message }), 'error');

let cameraOn = true;
let micOn = true;
let screenTrack = null;
for (const id of ['screen', 'mute-all', 'end']) $(id).disabled = false;
$('camera').disabled = camera.status !== 'fulfilled';
$('mic').disabled = microphone.status !== 'fulfilled';

$('camera').onclick = async () => {
  cameraOn = !cameraOn;
  await client.setSourceEnabled('camera', cameraOn);
  setButton($('camera'), cameraOn ? 'btn.cameraStop' : 'btn.cameraStart', cameraOn ? 'cam' : 'camOff');
  $('camera').classList.toggle('off', !cameraOn);
};
$('mic').onclick = async () => {
  micOn = !micOn;
  await client.setSourceEnabled('microphone', micOn);
  setButton($('mic'), micOn ? 'btn.micMute' : 'btn.micUnmute', micOn ? 'mic' : 'micOff');
  $('mic').classList.toggle('off', !micOn);
};
const screenStopped = () => {
  screenTrack = null;
  setButton($('screen'), 'btn.screenShare');
  $('screen').classList.remove('on');
};
$('screen').onclick = async () => {
  try {
    if (screenTrack) {
      await client.unpublish('screen');
      screenStopped();
      return;
    }
    screenTrack = await client.publishScreen();
    screenTrack.addEventListener('ended', screenStopped);
    setButton($('screen'), 'btn.screenStop');
    $('screen').classList.add('on');
  } catch (error) {
    screenTrack = null;
    showToast(both('toast.failed', { message: error.message }), 'error');
  }
};
$('mute-all').onclick = async () => {
  try {
    const count = await client.muteAll();
    showToast(count > 0 ? both('toast.mutedAll', { n: count }) : both('toast.nothingToMute'));
  } catch (error) {
    showToast(both('toast.failed', { message: error.message }), 'error');
  }
};
$('end').onclick = async () => {
  if (!(await confirmDialog(`${escapeHtml(t('confirm.end'))}<br><small>${escapeHtml(t2('confirm.end'))}</small>`, { danger: true }))) return;
  try {
    await client.endLesson();
  } catch (error) {
    // The lessonEnded notification closes the client before endLesson's own answer arrives (the SDK then
    // reports a timeout): the lesson did end, which is all that matters here.
    if (!state.ended) showToast(both('toast.failed', { message: error.message }), 'error');
  }
};
