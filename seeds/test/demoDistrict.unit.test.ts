import { demoDistrict } from '@classbridge/seeds';

describe('demo district', () => {
  const now = new Date('2026-11-23T08:00:00.000Z');
  const seed = demoDistrict(now);

  it('has one urban school hosting the teacher and three rural schools', () => {
    expect(seed.schools.filter((s) => s.kind === 'urban')).toHaveLength(1);
    expect(seed.schools.filter((s) => s.kind === 'rural')).toHaveLength(3);
  });

  it('has no dangling references', () => {
    const ids = (list: Array<{ id: string }>) => new Set(list.map((entry) => entry.id));
    const [districts, schools, classrooms, teachers] = [ids(seed.districts), ids(seed.schools), ids(seed.classrooms), ids(seed.teachers)];
    expect(seed.schools.every((s) => districts.has(s.districtId))).toBe(true);
    expect(seed.classrooms.every((c) => schools.has(c.schoolId))).toBe(true);
    expect(seed.teachers.every((t) => schools.has(t.schoolId))).toBe(true);
    for (const lesson of seed.lessons) {
      expect(teachers.has(lesson.teacherId)).toBe(true);
      expect([lesson.mainClassroomId, ...lesson.remoteClassroomIds].every((id) => classrooms.has(id))).toBe(true);
      expect(lesson.remoteClassroomIds).not.toContain(lesson.mainClassroomId);
    }
  });

  it('schedules the lessons relative to now', () => {
    const starts = seed.lessons.map((lesson) => Date.parse(lesson.scheduledStart) - now.getTime());
    expect(starts.every((offset) => offset > 0 && offset <= 2 * 3600_000)).toBe(true);
  });
});
