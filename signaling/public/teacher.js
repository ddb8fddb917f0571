import { ClassBridgeClient } from '/sdk/classbridge-sdk.js';
import { Stage, escapeHtml, params, seatToken } from './demo-common.js';

const $ = (id) => document.getElementById(id);
const participants = new Map();
let floor = { holders: [], raisedHands: [] };
let spotlight = null;
const stage = new Stage($('stage'), participants);

const client = new ClassBridgeClient({ url: location.origin, token: await seatToken({ role: 'teacher' }) });
window.classbridge = { client, participants, stage };

client.on('connectionStateChanged', ({ state, reason }) => ($('state').textContent = reason ? `${state} (${reason})` : state));
client.on('trackAdded', (track) => stage.addRemote(track));
client.on('trackRemoved', (track) => stage.removeRemote(track));
client.on('activeSpeaker', ({ participantId }) => stage.setSpeaker(participantId));
client.on('participantJoined', upsert);
client.on('participantUpdated', upsert);
client.on('participantLeft', ({ participantId }) => {
  const p = participants.get(participantId);
  if (p) upsert({ ...p, connected: false });
});
client.on('floorChanged', (state) => {
  floor = state;
  render();
});
client.on('spotlightChanged', ({ participantId }) => {
  spotlight = participantId;
  stage.setSpotlight(participantId);
  render();
});
client.on('lessonEnded', () => ($('state').textContent = 'lesson ended 已下课'));
client.on('error', ({ code, message }) => console.warn('classbridge', code, message));

function upsert(participant) {
  participants.set(participant.participantId, participant);
  render();
}

function render() {
  const hands = floor.raisedHands.map((id) => participants.get(id)).filter(Boolean);
  $('hand-count').textContent = String(hands.length);
  $('hands').innerHTML = hands.map((p) => `<li><div class="who">${escapeHtml(p.displayName)}<button class="primary" data-act="grant" data-id="${escapeHtml(p.participantId)}">Grant floor 允许发言</button></div></li>`).join('');
  $('people').innerHTML = [...participants.values()]
    .map((p) => {
      const badges = [
        `<span class="badge">${escapeHtml(p.role)}</span>`,
        p.connected ? '' : '<span class="badge">offline</span>',
        floor.raisedHands.includes(p.participantId) ? '<span class="badge hand">举手 hand</span>' : '',
        floor.holders.includes(p.participantId) ? '<span class="badge floor">发言 floor</span>' : '',
        spotlight === p.participantId ? '<span class="badge">聚焦 spotlight</span>' : '',
      ].join(' ');
      const id = escapeHtml(p.participantId);
      const floorButton = floor.holders.includes(p.participantId)
        ? `<button data-act="revoke" data-id="${id}">Revoke floor 结束发言</button>`
        : p.role === 'classroom' || p.role === 'student' ? `<button data-act="grant" data-id="${id}">Grant floor 允许发言</button>` : '';
      return `<li data-participant="${id}"><div class="who"><b>${escapeHtml(p.displayName)}</b>${badges}</div>
        <div class="actions">${floorButton}
          <button data-act="mute" data-id="${id}">Mute 静音</button>
          <button data-act="spotlight" data-id="${id}">${spotlight === p.participantId ? 'Clear spotlight' : 'Spotlight 聚焦'}</button>
          <button class="danger" data-act="remove" data-id="${id}">Remove 移出</button></div></li>`;
    })
    .join('');
}

document.body.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-act]');
  if (!button) return;
  const id = button.dataset.id;
  const actions = {
    grant: () => client.grantFloor(id),
    revoke: () => client.revokeFloor(id),
    mute: () => client.muteParticipant(id),
    spotlight: () => client.spotlight(spotlight === id ? null : id),
    remove: () => confirm('Remove this participant from the lesson?') && client.removeParticipant(id),
  };
  try {
    await actions[button.dataset.act]?.();
  } catch (error) {
    alert(error.message);
  }
});

const joined = await client.join();
document.title = `${joined.lesson.title} · Teacher`;
$('title').textContent = joined.lesson.title;
floor = joined.floor;
spotlight = joined.spotlight;
joined.participants.forEach((p) => participants.set(p.participantId, p));
render();

// ?codec=h264 sends H264 instead of VP8 (room PCs with hardware encoders).
const [camera] = await Promise.all([client.publishCamera(params.get('codec') === 'h264' ? { codec: 'H264' } : {}), client.publishMicrophone()]);
stage.addLocal(camera, 'You · 主讲教师');

let cameraOn = true;
let micOn = true;
$('camera').onclick = async () => {
  cameraOn = !cameraOn;
  await client.setSourceEnabled('camera', cameraOn);
  $('camera').textContent = cameraOn ? 'Camera off' : 'Camera on';
};
$('mic').onclick = async () => {
  micOn = !micOn;
  await client.setSourceEnabled('microphone', micOn);
  $('mic').textContent = micOn ? 'Mute mic' : 'Unmute mic';
};
$('screen').onclick = async () => {
  try {
    await client.publishScreen();
  } catch (error) {
    alert(error.message);
  }
};
$('end').onclick = async () => {
  if (confirm('End the lesson for every classroom?')) await client.endLesson();
};
