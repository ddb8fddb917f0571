import { ClassBridgeClient, canPublish } from '/sdk/classbridge-sdk.js';
import { Stage, params, seatToken } from './demo-common.js';

const $ = (id) => document.getElementById(id);
const participants = new Map();
const stage = new Stage($('stage'), participants);
const role = params.get('role') ?? 'classroom';
const seat = role === 'classroom' ? { role, classroomId: params.get('classroom') } : { role, ...(params.get('name') ? { displayName: params.get('name') } : {}) };

const client = new ClassBridgeClient({ url: location.origin, token: await seatToken(seat) });
const status = { hasFloor: false, handRaised: false, micPaused: true };
window.classbridge = { client, participants, stage, status };

client.on('connectionStateChanged', ({ state, reason }) => ($('state').textContent = reason ? `${state} (${reason})` : state));
client.on('trackAdded', (track) => stage.addRemote(track));
client.on('trackRemoved', (track) => stage.removeRemote(track));
client.on('activeSpeaker', ({ participantId }) => stage.setSpeaker(participantId));
client.on('spotlightChanged', ({ participantId }) => stage.setSpotlight(participantId));
client.on('participantJoined', (p) => participants.set(p.participantId, p));
client.on('participantUpdated', (p) => {
  participants.set(p.participantId, p);
  if (p.participantId === client.self?.participantId) showFloor(p);
});
client.on('localSourceChanged', ({ source, paused }) => {
  if (source === 'microphone') status.micPaused = paused;
});
client.on('removed', ({ reason }) => ($('state').textContent = `removed (${reason})`));
client.on('lessonEnded', () => ($('state').textContent = 'lesson ended 已下课'));

function showFloor(self) {
  status.hasFloor = self.hasFloor;
  status.handRaised = self.handRaised;
  const banner = $('floor');
  banner.className = `floor-banner ${self.hasFloor ? 'on' : 'off'}`;
  banner.textContent = self.hasFloor ? 'You have the floor · 正在发言' : self.handRaised ? 'Hand raised · 已举手，等待老师' : 'Listening · 听课中';
  $('hand').textContent = self.handRaised ? 'Lower hand 放下' : 'Raise hand 举手';
  $('hand').disabled = self.hasFloor || !['classroom', 'student'].includes(self.role);
}

$('hand').onclick = () => (status.handRaised ? client.lowerHand() : client.raiseHand());
$('leave').onclick = () => client.leave();

const joined = await client.join();
document.title = `${joined.lesson.title} · ${joined.self.displayName}`;
$('title').textContent = `${joined.self.displayName} — ${joined.lesson.title}`;
joined.participants.forEach((p) => participants.set(p.participantId, p));
showFloor(joined.self);
stage.setSpotlight(joined.spotlight);

if (canPublish(role, 'camera')) stage.addLocal(await client.publishCamera({ width: 960, height: 540 }), `${joined.self.displayName} (you)`);
// The room microphone is published at once but stays silent at the SFU until the teacher grants the floor.
if (canPublish(role, 'microphone') && params.get('mic') !== '0') await client.publishMicrophone();
