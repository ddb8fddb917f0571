import type { Directory } from './schemas.js';

/**
 * Cross-reference problems of a (schema-valid) directory, in a stable order; empty when it is sound.
 * Ids must be unique within each collection, and every reference must name an entry that exists:
 * a school its district, a classroom or teacher its school, a lesson its classrooms and teacher
 * (a null teacher is fine). A lesson's main classroom is not also a remote one, and no remote
 * classroom is listed twice.
 */
export function directoryProblems(directory: Directory): string[] {
  const problems: string[] = [];
  const idsOf = (collection: keyof Directory, singular: string): Set<string> => {
    const seen = new Set<string>();
    const reported = new Set<string>();
    for (const entry of directory[collection]) {
      if (seen.has(entry.id) && !reported.has(entry.id)) {
        problems.push(`duplicate ${singular} id ${JSON.stringify(entry.id)}`);
        reported.add(entry.id);
      }
      seen.add(entry.id);
    }
    return seen;
  };
  const districts = idsOf('districts', 'district');
  const schools = idsOf('schools', 'school');
  const classrooms = idsOf('classrooms', 'classroom');
  const teachers = idsOf('teachers', 'teacher');
  idsOf('lessons', 'lesson');

  const name = (id: string) => JSON.stringify(id);
  for (const school of directory.schools) {
    if (!districts.has(school.districtId)) problems.push(`school ${name(school.id)} names unknown district ${name(school.districtId)}`);
  }
  for (const classroom of directory.classrooms) {
    if (!schools.has(classroom.schoolId)) problems.push(`classroom ${name(classroom.id)} names unknown school ${name(classroom.schoolId)}`);
  }
  for (const teacher of directory.teachers) {
    if (!schools.has(teacher.schoolId)) problems.push(`teacher ${name(teacher.id)} names unknown school ${name(teacher.schoolId)}`);
  }
  for (const lesson of directory.lessons) {
    const subject = `lesson ${name(lesson.id)}`;
    if (!classrooms.has(lesson.mainClassroomId)) problems.push(`${subject} names unknown main classroom ${name(lesson.mainClassroomId)}`);
    const remotes = new Set<string>();
    for (const remoteId of lesson.remoteClassroomIds) {
      if (remoteId === lesson.mainClassroomId) problems.push(`${subject} lists its main classroom ${name(remoteId)} as a remote one`);
      else if (remotes.has(remoteId)) problems.push(`${subject} lists remote classroom ${name(remoteId)} twice`);
      else if (!classrooms.has(remoteId)) problems.push(`${subject} names unknown remote classroom ${name(remoteId)}`);
      remotes.add(remoteId);
    }
    if (lesson.teacherId !== null && !teachers.has(lesson.teacherId)) problems.push(`${subject} names unknown teacher ${name(lesson.teacherId)}`);
  }
  return problems;
}

/** `problems` as one line for an error message: the first few, and how many more there are. */
export function summarizeProblems(problems: readonly string[], shown = 5): string {
  const head = problems.slice(0, shown).join('; ');
  return problems.length > shown ? `${head}; and ${problems.length - shown} more` : head;
}
