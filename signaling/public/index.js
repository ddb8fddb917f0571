// The seat picker: lessons of the demo district, a link per seat.
const box = document.getElementById('lessons');
const escape = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const response = await fetch('/demo/lessons');
const { lessons } = await response.json();
box.innerHTML = lessons.length ? '' : 'No lessons scheduled.';
for (const lesson of lessons) {
  const q = (extra) => `lesson=${encodeURIComponent(lesson.id)}${extra}`;
  const div = document.createElement('div');
  div.className = 'lesson';
  div.innerHTML = `<h2>${escape(lesson.title)}</h2>
    <div>${escape(lesson.status)} · starts ${escape(new Date(lesson.scheduledStart).toLocaleString())} · main classroom: ${escape(lesson.mainClassroom.name)}</div>
    <div><a href="teacher.html?${q('')}">Teacher console 主讲教师</a></div>
    <div>${lesson.remoteClassrooms.map((c) => `<a href="classroom.html?${q(`&classroom=${encodeURIComponent(c.id)}`)}">${escape(c.name)}</a>`).join('')}</div>
    <div><a href="classroom.html?${q('&role=student')}">Individual student 学生</a><a href="classroom.html?${q('&role=observer')}">Observer 听课</a></div>`;
  box.append(div);
}
