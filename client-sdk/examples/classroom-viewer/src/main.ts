/*
 * Classroom viewer: a remote classroom's screen. It joins a ClassBridge lesson with the
 * token in the address, shows every remote video as a tile labelled with the sender's
 * name, plays their audio, and keeps a status line. It publishes nothing.
 *
 *   index.html?url=https://classbridge.example.edu&token=<access token>[&lesson=<lesson id>]
 *
 * `url` defaults to this page's origin. Tokens come from the ClassBridge REST API
 * (POST /api/lessons/{id}/tokens), minted by your platform's backend for this seat.
 */
import { ClassBridgeClient, ClassBridgeError } from '@classbridge/client-sdk';
import type { ConnectionState, RemoteTrack } from '@classbridge/client-sdk';

declare global {
  interface Window {
    /** The page's client, for the browser console: `await classroomViewer.getReceiveStats()`. */
    classroomViewer?: ClassBridgeClient;
  }
}

function element<T extends HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`index.html has no ${selector}`);
  return found;
}

const statusLine = element<HTMLElement>('#status');
const tilesArea = element<HTMLElement>('#tiles');
/** Video tiles and audio elements by consumer id. */
const tiles = new Map<string, HTMLElement>();
const audios = new Map<string, HTMLAudioElement>();

function setStatus(state: ConnectionState, text: string): void {
  statusLine.dataset['state'] = state;
  statusLine.textContent = text;
}

const params = new URLSearchParams(location.search);
const token = params.get('token');
const lessonId = params.get('lesson');

if (!token) {
  setStatus('failed', 'Open this page with ?token=<access token>&url=<ClassBridge server>.');
} else {
  const client = new ClassBridgeClient({
    url: params.get('url') ?? location.origin,
    token,
    ...(lessonId ? { lessonId } : {}),
  });
  window.classroomViewer = client;
  void start(client);
}

async function start(client: ClassBridgeClient): Promise<void> {
  const nameOf = (track: RemoteTrack): string => {
    const name = track.participant?.displayName ?? client.participant(track.participantId)?.displayName ?? track.participantId;
    return track.source === 'screen' ? `${name} · screen` : name;
  };
  const summary = (): string => {
    const people = client.participants.filter((participant) => participant.connected).length;
    return `${client.lesson?.title ?? 'lesson'} · ${people} other${people === 1 ? '' : 's'} here · ${tiles.size} video${tiles.size === 1 ? '' : 's'}`;
  };
  const showState = (state: ConnectionState, reason?: string): void => {
    const detail = state === 'connected' ? summary() : reason ?? '';
    setStatus(state, detail ? `${state} · ${detail}` : state);
  };

  client.on('connectionStateChanged', ({ state, reason }) => showState(state, reason));

  client.on('trackAdded', (track) => {
    if (track.kind === 'audio') {
      const audio = new Audio();
      audio.srcObject = new MediaStream([track.track]);
      audios.set(track.consumerId, audio);
      // Browsers may refuse sound before the first click; try again then.
      audio.play().catch(() => setStatus(client.state, 'Click anywhere to hear the lesson.'));
      return;
    }
    const tile = document.createElement('figure');
    tile.dataset['consumerId'] = track.consumerId;
    tile.dataset['participantId'] = track.participantId;
    tile.dataset['source'] = track.source;
    tile.dataset['paused'] = String(track.paused);
    const video = document.createElement('video');
    video.autoplay = true;
    video.muted = true; // sound comes from the audio tracks
    video.playsInline = true;
    video.srcObject = new MediaStream([track.track]);
    const caption = document.createElement('figcaption');
    caption.textContent = nameOf(track);
    tile.append(video, caption);
    tilesArea.append(tile);
    tiles.set(track.consumerId, tile);
    showState(client.state);
  });

  client.on('trackRemoved', ({ consumerId }) => {
    tiles.get(consumerId)?.remove();
    tiles.delete(consumerId);
    const audio = audios.get(consumerId);
    if (audio) audio.srcObject = null;
    audios.delete(consumerId);
    showState(client.state);
  });

  // A paused camera (or a microphone without the floor) stays as a dimmed tile.
  client.on('remoteSourceChanged', ({ producerId, paused }) => {
    for (const track of client.remoteTracks()) {
      if (track.producerId === producerId) tiles.get(track.consumerId)?.setAttribute('data-paused', String(paused));
    }
  });

  // Names can arrive after the track; keep the labels right.
  client.on('participantUpdated', ({ participantId }) => {
    for (const track of client.remoteTracks()) {
      const caption = track.participantId === participantId ? tiles.get(track.consumerId)?.querySelector('figcaption') : null;
      if (caption) caption.textContent = nameOf(track);
    }
  });
  const refreshSummary = (): void => {
    if (client.state === 'connected') showState('connected');
  };
  client.on('participantJoined', refreshSummary);
  client.on('participantLeft', refreshSummary);

  client.on('lessonEnded', () => setStatus('closed', 'The lesson has ended.'));
  client.on('removed', ({ reason }) => setStatus('closed', reason === 'token-expired' ? 'The access token expired: reload with a new one.' : `Left the lesson (${reason}).`));
  client.on('error', ({ code, message }) => console.warn(`classbridge ${code}: ${message}`));

  document.addEventListener('click', () => {
    for (const audio of audios.values()) void audio.play().catch(() => undefined);
  });
  addEventListener('pagehide', () => void client.leave());

  try {
    await client.join();
    showState(client.state);
  } catch (error) {
    const text = error instanceof ClassBridgeError ? `${error.code}: ${error.message}` : String(error);
    setStatus('failed', `Could not join · ${text}`);
  }
}
