// Shared by the demo pages: seat tokens, video tiles, escaping. Uses only the public SDK API.
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

/** Renders remote tracks into tiles, one per participant and video source, audio into hidden <audio>s. */
export class Stage {
  constructor(element, participants) {
    this.element = element;
    this.participants = participants;
    this.tiles = new Map();
    this.audios = new Map();
  }

  addLocal(track, label) {
    const tile = this.#tile('self', label);
    tile.classList.add('self');
    tile.querySelector('video').srcObject = new MediaStream([track]);
    tile.querySelector('video').muted = true;
  }

  addRemote({ consumerId, participantId, source, kind, track }) {
    if (kind === 'audio') {
      const audio = new Audio();
      audio.autoplay = true;
      audio.srcObject = new MediaStream([track]);
      this.audios.set(consumerId, audio);
      audio.play().catch(() => undefined);
      return;
    }
    const tile = this.#tile(`${participantId}:${source}`, this.#name(participantId) + (source === 'screen' ? ' · 屏幕' : ''));
    tile.dataset.participant = participantId;
    tile.dataset.consumer = consumerId;
    tile.querySelector('video').srcObject = new MediaStream([track]);
  }

  removeRemote({ consumerId, participantId, source, kind }) {
    if (kind === 'audio') {
      this.audios.get(consumerId)?.remove();
      this.audios.delete(consumerId);
      return;
    }
    const key = `${participantId}:${source}`;
    const tile = this.tiles.get(key);
    if (tile && tile.dataset.consumer === consumerId) {
      tile.remove();
      this.tiles.delete(key);
    }
  }

  setSpeaker(participantId) {
    this.speaker = participantId;
    for (const tile of this.tiles.values()) tile.classList.toggle('speaking', tile.dataset.participant === participantId);
  }

  setSpotlight(participantId) {
    for (const tile of this.tiles.values()) tile.classList.toggle('spotlight', tile.dataset.participant === participantId);
  }

  #name(participantId) {
    return this.participants.get(participantId)?.displayName ?? participantId;
  }

  #tile(key, label) {
    let tile = this.tiles.get(key);
    if (!tile) {
      tile = document.createElement('div');
      tile.className = 'tile';
      tile.innerHTML = '<video autoplay playsinline></video><span class="label"></span>';
      this.element.append(tile);
      this.tiles.set(key, tile);
    }
    tile.querySelector('.label').textContent = label;
    return tile;
  }
}
