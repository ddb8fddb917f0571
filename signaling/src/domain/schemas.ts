import { z } from 'zod';

/*
 * The dedicated-classroom domain: a district with schools, their classrooms and
 * teachers, and lessons that link one main classroom to several remote ones.
 * Schemas validate REST bodies, seed files and the persisted store alike.
 */

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'ids are 1-64 letters, digits, "-" or "_"');
const name = z.string().trim().min(1).max(200);
/** A participant id as tokens carry it (`sub`): 'teacher', 'classroom-qh-shangling-g4', 'student-1a2b3c4d'. */
export const participantIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'participant ids are 1-128 letters, digits, "_", ".", ":" or "-"');
/** Removals a lesson remembers; far more than any class has participants. */
export const MAX_REMOVED_PARTICIPANTS = 10_000;

export const districtSchema = z.object({ id, name, region: z.string().max(200).default('') });
export const schoolSchema = z.object({
  id,
  districtId: id,
  name,
  /** Urban schools host main classrooms; rural ones usually receive. */
  kind: z.enum(['urban', 'rural']),
  /** Distance to the district centre: shapes expectations of the link. */
  distanceKm: z.number().min(0).max(10_000).optional(),
  /** The region of the SFU nodes nearest the school (their SFU_REGION): in a cluster its classrooms' media goes there. */
  region: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a region is 1-64 letters, digits, ".", "_" or "-"').optional(),
});
export const classroomSchema = z.object({ id, schoolId: id, name, capacity: z.number().int().min(1).max(500).optional() });
export const teacherSchema = z.object({ id, schoolId: id, name, subject: z.string().max(100).default('') });

export const lessonStatusSchema = z.enum(['scheduled', 'live', 'ended']);
/** More than any lesson's floor (MAX_FLOOR_HOLDERS is at most a few): a bound on stored data, not a policy. */
export const MAX_STORED_FLOOR_HOLDERS = 32;

export const lessonSchema = z.object({
  id,
  title: name,
  subject: z.string().max(100).default(''),
  teacherId: id.nullable().default(null),
  mainClassroomId: id,
  remoteClassroomIds: z.array(id).max(64),
  scheduledStart: z.iso.datetime(),
  durationMinutes: z.number().int().min(1).max(600).default(45),
  /** Record the lesson for replay (default on; absent in older files means on). */
  recording: z.boolean().default(true),
  /** The language spoken, which picks the caption engine (absent in older files means Mandarin). */
  language: z.enum(['zh', 'en']).default('zh'),
  /** Live captions and a transcript (default on; they need an engine for the language, see README). */
  captions: z.boolean().default(true),
  status: lessonStatusSchema,
  startedAt: z.iso.datetime().nullable().default(null),
  endedAt: z.iso.datetime().nullable().default(null),
  createdAt: z.iso.datetime(),
  /** Participants the teacher removed: their tokens no longer get in, even after a restart. Absent in older files. */
  removedParticipantIds: z.array(participantIdSchema).max(MAX_REMOVED_PARTICIPANTS).default([]),
  /**
   * Who held the floor at its last change: a node that takes the lesson over (in a cluster, after its
   * owner died) or a restarted server gives it back to them. Absent in older files.
   */
  floorHolderIds: z.array(participantIdSchema).max(MAX_STORED_FLOOR_HOLDERS).default([]),
});

/** Body of POST /api/lessons (never removedParticipantIds, status or timestamps: the server sets those). */
export const createLessonSchema = lessonSchema
  .pick({ title: true, subject: true, teacherId: true, mainClassroomId: true, remoteClassroomIds: true, scheduledStart: true, durationMinutes: true, recording: true, language: true, captions: true })
  .extend({ id: id.optional() })
  .strict();

export const directorySchema = z.object({
  districts: z.array(districtSchema),
  schools: z.array(schoolSchema),
  classrooms: z.array(classroomSchema),
  teachers: z.array(teacherSchema),
  lessons: z.array(lessonSchema),
});

export type District = z.infer<typeof districtSchema>;
export type School = z.infer<typeof schoolSchema>;
export type Classroom = z.infer<typeof classroomSchema>;
export type Teacher = z.infer<typeof teacherSchema>;
export type Lesson = z.infer<typeof lessonSchema>;
export type LessonStatus = z.infer<typeof lessonStatusSchema>;
export type CreateLessonInput = z.infer<typeof createLessonSchema>;
export type Directory = z.infer<typeof directorySchema>;
/** Seed input: the lesson fields a seed may leave out get defaults. */
export type DirectoryInput = z.input<typeof directorySchema>;
