import type { BotPlan, ScenarioPlan } from './scenarios.js';

/** Ids a run's lessons and classrooms get in the directory it seeds. */
export const lessonIdOf = (lesson: number) => `load-lesson-${lesson}`;
export const classroomIdOf = (lesson: number, classroom: number) => `load-l${lesson}-c${classroom}`;
const mainClassroomIdOf = (lesson: number) => `load-l${lesson}-main`;

/**
 * A district directory shaped for a plan (what DATA_DIR/directory.json holds): one
 * urban school with the main classrooms and teachers, one rural school per lesson
 * with its remote classrooms. Lessons start scheduled; the run starts them.
 */
export function loadDirectory(plan: ScenarioPlan, now: Date): Record<string, unknown> {
  const at = now.toISOString();
  const classrooms: Array<{ id: string; schoolId: string; name: string }> = [];
  const teachers: Array<{ id: string; schoolId: string; name: string; subject: string }> = [];
  const schools = [{ id: 'load-urban', districtId: 'load-district', name: '负载测试城区学校 Load urban school', kind: 'urban' }];
  const lessons = plan.lessons.map(({ index, bots }) => {
    const ruralSchool = `load-rural-${index}`;
    schools.push({ id: ruralSchool, districtId: 'load-district', name: `负载测试乡村学校 ${index} Load rural school ${index}`, kind: 'rural' });
    classrooms.push({ id: mainClassroomIdOf(index), schoolId: 'load-urban', name: `主讲教室 ${index} Main classroom ${index}` });
    teachers.push({ id: `load-teacher-${index}`, schoolId: 'load-urban', name: `教师 ${index} Teacher ${index}`, subject: '' });
    const remote = bots.filter((bot) => bot.role === 'classroom').map((bot) => classroomIdOf(index, bot.classroom!));
    for (const id of remote) classrooms.push({ id, schoolId: ruralSchool, name: id });
    return {
      id: lessonIdOf(index),
      title: `负载测试 ${plan.name} ${index} Load test`,
      subject: '',
      teacherId: `load-teacher-${index}`,
      mainClassroomId: mainClassroomIdOf(index),
      remoteClassroomIds: remote,
      scheduledStart: at,
      durationMinutes: 600,
      recording: false,
      language: 'en',
      captions: false,
      status: 'scheduled',
      startedAt: null,
      endedAt: null,
      createdAt: at,
    };
  });
  return { districts: [{ id: 'load-district', name: '负载测试区 Load district', region: '' }], schools, classrooms, teachers, lessons };
}

/** The body of POST /api/lessons/:id/tokens for a bot. */
export function tokenRequestOf(bot: BotPlan): Record<string, unknown> {
  return {
    role: bot.role,
    participantId: bot.id,
    displayName: bot.id,
    ...(bot.role === 'classroom' ? { classroomId: classroomIdOf(bot.lesson, bot.classroom!) } : {}),
  };
}
