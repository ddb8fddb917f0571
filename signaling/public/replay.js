// The replay page: the recorded lessons a replay link opens (#token=…), or in demo mode every
// recording, and a player (HLS through hls.js, or the browser's own HLS) with seeking, the MP4
// for download and the lesson's captions when a transcript exists.
import { applyI18n, bi, formatClock, formatDateTime, t } from './i18n.js';

applyI18n();
const escape = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const $ = (id) => document.getElementById(id);
const clock = $('clock');
const tick = () => (clock.textContent = formatClock(new Date()));
tick();
setInterval(tick, 10_000);

const token = new URLSearchParams(location.hash.slice(1)).get('token');
const list = $('recordings');

function duration(ms) {
  const seconds = Math.round((ms ?? 0) / 1000);
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`;
}

/** Recordings with the replay token that opens each: one lesson's (a replay link) or all of them (demo). */
async function load() {
  if (token) {
    const response = await fetch(`/replay/${encodeURIComponent(token)}/recordings`);
    if (response.status === 401) throw new Error(t('replay.linkInvalid'));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const { recordings } = await response.json();
    return recordings.map((recording) => ({ ...recording, token }));
  }
  const response = await fetch('/demo/recordings');
  if (!response.ok) throw new Error(t('replay.needLink'));
  const { recordings } = await response.json();
  return recordings.filter((recording) => recording.state === 'ready').map((recording) => ({ ...recording, thumbnail: recording.hasThumbnail ? 'thumbnail.jpg' : null, captions: recording.hasCaptions ? 'captions.vtt' : null, mp4: 'lesson.mp4', playlist: 'index.m3u8' }));
}

const base = (recording) => `/replay/${encodeURIComponent(recording.token)}/${encodeURIComponent(recording.recordingId)}`;
let hls;

function play(recording) {
  const video = $('video');
  $('player').hidden = false;
  $('playing-title').textContent = recording.lesson.title;
  $('playing-meta').innerHTML = meta(recording);
  const download = $('download');
  download.href = `${base(recording)}/${recording.mp4}?download=1`;
  download.innerHTML = bi('replay.download');
  for (const track of video.querySelectorAll('track')) track.remove();
  $('transcript').hidden = true;
  if (recording.captions) {
    const track = document.createElement('track');
    Object.assign(track, { kind: 'captions', srclang: recording.language ?? 'zh', label: '字幕 Captions', src: `${base(recording)}/${recording.captions}`, default: true });
    track.addEventListener('load', () => showTranscript(track.track, video));
    video.append(track);
  }
  const source = `${base(recording)}/${recording.playlist}`;
  hls?.destroy();
  hls = undefined;
  // Chromium and Firefox play HLS through Media Source Extensions (hls.js); Safari natively.
  if (window.Hls?.isSupported()) {
    hls = new window.Hls({ enableWorker: false });
    hls.loadSource(source);
    hls.attachMedia(video);
  } else {
    video.src = source;
  }
  window.scrollTo({ top: 0, behavior: 'smooth' });
}

/** The caption track's cues as a list: a line per utterance with its speaker, searchable, each a jump. */
function showTranscript(textTrack, video) {
  const lines = [...(textTrack.cues ?? [])].map((cue) => {
    const voice = /^<v ([^>]*)>/.exec(cue.text);
    const text = cue.text.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    return { at: cue.startTime, speaker: voice ? voice[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : '', text };
  });
  if (!lines.length) return;
  const list = $('transcript-lines');
  const search = $('transcript-search');
  const fold = (text) => text.normalize('NFKC').toLowerCase();
  const render = () => {
    const wanted = fold(search.value.trim());
    const shown = lines.filter((line) => !wanted || fold(`${line.speaker} ${line.text}`).includes(wanted));
    list.innerHTML = shown.length
      ? shown.map((line) => `<li><button type="button" class="at" data-at="${line.at}">${duration(line.at * 1000)}</button><span class="who">${escape(line.speaker)}</span><span class="said">${escape(line.text)}</span></li>`).join('')
      : `<li class="none">${bi('replay.noMatch')}</li>`;
  };
  list.onclick = (event) => {
    const button = event.target.closest('button[data-at]');
    if (!button) return;
    video.currentTime = Number(button.dataset.at);
    void video.play().catch(() => undefined);
  };
  search.oninput = render;
  search.value = '';
  render();
  $('transcript').hidden = false;
}

function meta(recording) {
  const lesson = recording.lesson;
  return `<span>${escape(lesson.school)}</span><span>${escape(lesson.classroom)}</span><span>${escape(lesson.subject)}</span>
    <span>${escape(formatDateTime(recording.startedAt))}</span><span>${bi('replay.duration')}: ${duration(recording.durationMs)}</span>
    ${recording.interrupted ? `<span class="status-pill ended">${bi('replay.interrupted')}</span>` : ''}`;
}

try {
  const recordings = await load();
  list.innerHTML = recordings.length ? '' : `<p>${bi('replay.none')}</p>`;
  for (const recording of recordings) {
    const card = document.createElement('article');
    card.className = 'lesson recording-card';
    const thumb = recording.thumbnail ? `<img class="thumb" alt="" src="${base(recording)}/${recording.thumbnail}" loading="lazy" />` : '<div class="thumb none"></div>';
    card.innerHTML = `${thumb}<div class="card-body"><h2>${escape(recording.lesson.title)}</h2><div class="meta">${meta(recording)}</div>
      <div class="seats"><button class="btn primary" type="button">${bi('replay.play')}</button>
      <a class="btn" href="${base(recording)}/${recording.mp4}?download=1">${bi('replay.download')}</a></div></div>`;
    card.querySelector('button').addEventListener('click', () => play(recording));
    list.append(card);
  }
  window.classbridgeReplay = { count: recordings.length, play: (index) => play(recordings[index]) };
} catch (error) {
  list.innerHTML = `<p class="error">${bi('replay.loadFailed')}: ${escape(error.message)}</p>`;
}
