/*
 * Load scenarios as plans: who joins which lesson, what each publishes, what each
 * subscribes to. Pure, so the shape of a run can be checked without running it.
 */

export const scenarioNames = ['classroom', 'livestream', 'audio-only', 'meeting', 'district'] as const;
export type ScenarioName = (typeof scenarioNames)[number];
export type LoadSource = 'camera' | 'screen' | 'microphone';
export type BotRole = 'teacher' | 'classroom' | 'student' | 'observer';

export interface BotPlan {
  /** Unique in the run: the participant id and the name in reports. */
  id: string;
  lesson: number;
  role: BotRole;
  publishes: LoadSource[];
  /** The teacher grants these the floor (their microphone is live only then). */
  holdsFloor: boolean;
  /** Index among the lesson's remote classrooms (classroom bots only). */
  classroom?: number;
}

/** Which streams a bot consumes, and at what simulcast layer. */
export interface Subscription {
  consume: boolean;
  /** Preferred spatial layer for a simulcast video (null: the top). */
  spatialLayer: number | null;
}

export interface ScenarioParams {
  /** Remote classrooms per lesson (classroom, district). */
  classrooms: number;
  /** Receive-only listeners (livestream, audio-only). */
  listeners: number;
  /** Publishing speakers (audio-only; at most 16, the most floor holders a lesson allows). */
  speakers: number;
  /** Participants of a meeting (N × N video). */
  participants: number;
  /** Concurrent lessons (district). */
  lessons: number;
  simulcast: boolean;
}

export interface ScenarioPlan {
  name: ScenarioName;
  description: string;
  params: ScenarioParams;
  lessons: Array<{ index: number; bots: BotPlan[] }>;
}

export const scenarioDescriptions: Record<ScenarioName, string> = {
  classroom:
    'One lesson: the teacher publishes camera, screen and microphone; N remote classrooms publish a camera, and one of them, holding the floor, its room microphone. Classrooms receive the teacher and every live microphone; the teacher receives every classroom camera (thumbnail layer) and microphone.',
  livestream: 'One lesson: the teacher publishes camera and microphone to N receive-only observers.',
  'audio-only': 'One lesson: S speakers (the teacher and S−1 students holding the floor) publish microphones to N receive-only listeners.',
  meeting: 'One lesson of N participants, each publishing a camera (the teacher a microphone too) and receiving everyone else: N × (N−1) video streams.',
  district: 'L concurrent lessons of the classroom shape (1 teacher + K classrooms), spread over the workers: the seeds’ district peak, scaled.',
};

export const MAX_FLOOR_SPEAKERS = 16;

export function planScenario(name: ScenarioName, params: ScenarioParams): ScenarioPlan {
  const lessons: ScenarioPlan['lessons'] = [];
  const lesson = (index: number, bots: BotPlan[]) => lessons.push({ index, bots });
  const teacher = (index: number, publishes: LoadSource[]): BotPlan => ({ id: `l${index}-teacher`, lesson: index, role: 'teacher', publishes, holdsFloor: false });
  const classroomLesson = (index: number) =>
    lesson(index, [
      teacher(index, ['camera', 'screen', 'microphone']),
      // A room microphone is live only with the floor: the others stay off, as the SDK keeps them.
      ...range(params.classrooms).map((k) => ({ id: `l${index}-classroom-${k}`, lesson: index, role: 'classroom' as const, publishes: (k === 0 ? ['camera', 'microphone'] : ['camera']) as LoadSource[], holdsFloor: k === 0, classroom: k })),
    ]);
  const listeners = (index: number) => range(params.listeners).map((k) => ({ id: `l${index}-listener-${k}`, lesson: index, role: 'observer' as const, publishes: [] as LoadSource[], holdsFloor: false }));
  switch (name) {
    case 'classroom':
      classroomLesson(0);
      break;
    case 'district':
      for (const index of range(params.lessons)) classroomLesson(index);
      break;
    case 'livestream':
      lesson(0, [teacher(0, ['camera', 'microphone']), ...listeners(0)]);
      break;
    case 'audio-only': {
      if (params.speakers > MAX_FLOOR_SPEAKERS + 1) throw new RangeError(`at most ${MAX_FLOOR_SPEAKERS + 1} speakers (the teacher and ${MAX_FLOOR_SPEAKERS} floor holders)`);
      const students = range(params.speakers - 1).map((k) => ({ id: `l0-speaker-${k}`, lesson: 0, role: 'student' as const, publishes: ['microphone'] as LoadSource[], holdsFloor: true }));
      lesson(0, [teacher(0, ['microphone']), ...students, ...listeners(0)]);
      break;
    }
    case 'meeting':
      lesson(0, [teacher(0, ['camera', 'microphone']), ...range(params.participants - 1).map((k) => ({ id: `l0-member-${k}`, lesson: 0, role: 'student' as const, publishes: ['camera'] as LoadSource[], holdsFloor: false }))]);
      break;
  }
  return { name, description: scenarioDescriptions[name], params, lessons };
}

/**
 * What `receiver` consumes of `publisher`'s `source`: the shape of a real lesson page.
 * A teacher with many classrooms shows them as thumbnails (layer 0); a classroom
 * shows the teacher (and hears every live microphone), not the other classrooms.
 */
export function subscription(receiver: BotPlan, publisher: BotPlan, source: LoadSource): Subscription {
  if (receiver.id === publisher.id) return { consume: false, spatialLayer: null };
  if (source === 'microphone') return { consume: true, spatialLayer: null };
  if (receiver.role === 'classroom' && publisher.role === 'classroom') return { consume: false, spatialLayer: null };
  if (receiver.role === 'teacher' && publisher.role === 'classroom') return { consume: true, spatialLayer: 0 };
  return { consume: true, spatialLayer: null };
}

/** Subscribed streams the plan asks for, by kind: what the SFU should end up forwarding. */
export function expectedStreams(plan: ScenarioPlan): { audio: number; video: number; bots: number; publishers: number } {
  let audio = 0;
  let video = 0;
  let bots = 0;
  let publishers = 0;
  for (const { bots: members } of plan.lessons) {
    bots += members.length;
    for (const publisher of members) {
      if (publisher.publishes.length > 0) publishers++;
      for (const source of publisher.publishes) {
        // A classroom's microphone without the floor is paused by the server: nothing flows.
        if (source === 'microphone' && publisher.role !== 'teacher' && !publisher.holdsFloor) continue;
        for (const receiver of members) {
          if (!subscription(receiver, publisher, source).consume) continue;
          if (source === 'microphone') audio++;
          else video++;
        }
      }
    }
  }
  return { audio, video, bots, publishers };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
