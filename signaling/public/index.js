// The seat picker: lessons of the demo district, a link per seat. ?lang= is passed on to the pages.
import { applyI18n, bi, formatClock, formatDateTime } from './i18n.js';

applyI18n();
const escape = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const clock = document.getElementById('clock');
const tick = () => (clock.textContent = formatClock(new Date()));
tick();
setInterval(tick, 10_000);

const box = document.getElementById('lessons');
const lang = new URLSearchParams(location.search).get('lang');
try {
  const response = await fetch('/demo/lessons');
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const { lessons } = await response.json();
  box.innerHTML = lessons.length ? '' : `<p>${bi('app.noLessons')}</p>`;
  for (const lesson of lessons) {
    const q = (extra) => `lesson=${encodeURIComponent(lesson.id)}${extra}${lang ? `&lang=${encodeURIComponent(lang)}` : ''}`;
    const div = document.createElement('article');
    div.className = 'lesson';
    div.innerHTML = `<h2>${escape(lesson.title)}</h2>
      <div class="meta"><span class="status-pill ${escape(lesson.status)}">${bi(`lesson.${lesson.status}`)}</span>
        <span>${bi('index.starts')}: ${escape(formatDateTime(lesson.scheduledStart))}</span>
        <span>${bi('index.main')}: ${escape(lesson.mainClassroom.name)}</span></div>
      <div class="seats"><a class="btn primary" href="teacher.html?${q('')}">${bi('index.teacher')}</a></div>
      <div class="seats-title">${bi('index.remoteClassrooms')}</div>
      <div class="seats">${lesson.remoteClassrooms.map((c) => `<a class="btn" href="classroom.html?${q(`&classroom=${encodeURIComponent(c.id)}`)}" title="${escape(c.school)}">${escape(c.name)}</a>`).join('')}</div>
      <div class="seats"><a class="btn sm" href="classroom.html?${q('&role=student')}">${bi('index.student')}</a><a class="btn sm" href="classroom.html?${q('&role=observer')}">${bi('index.observer')}</a></div>`;
    box.append(div);
  }
} catch (error) {
  box.innerHTML = `<p class="error">${bi('app.loadFailed')}: ${escape(error.message)}</p>`;
}
