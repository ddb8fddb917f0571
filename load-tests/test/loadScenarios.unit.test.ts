import { expectedStreams, planScenario, subscription } from '../src/load/scenarios.js';
import type { ScenarioParams } from '../src/load/scenarios.js';

const params: ScenarioParams = { classrooms: 4, listeners: 5, speakers: 3, participants: 4, lessons: 3, simulcast: true };

describe('load scenarios', () => {
  it('classroom: the teacher publishes three sources, every classroom a camera, only the floor holder a microphone', () => {
    const plan = planScenario('classroom', params);
    expect(plan.lessons).toHaveLength(1);
    const [teacher, ...classrooms] = plan.lessons[0]!.bots;
    expect(teacher).toMatchObject({ role: 'teacher', publishes: ['camera', 'screen', 'microphone'] });
    expect(classrooms).toHaveLength(4);
    expect(classrooms.filter((bot) => bot.holdsFloor).map((bot) => bot.publishes)).toEqual([['camera', 'microphone']]);
    expect(classrooms.filter((bot) => !bot.holdsFloor).every((bot) => bot.publishes.join() === 'camera')).toBe(true);
    // Each classroom receives the teacher's camera and screen; the teacher every classroom camera.
    // Audio: the teacher's to 4 classrooms, the floor holder's to the teacher and 3 other classrooms.
    expect(expectedStreams(plan)).toEqual({ video: 4 * 2 + 4, audio: 4 + 4, bots: 5, publishers: 5 });
  });

  it('a teacher sees classrooms as thumbnails, a classroom never sees another classroom, nobody consumes itself', () => {
    const [teacher, first, second] = planScenario('classroom', params).lessons[0]!.bots;
    expect(subscription(teacher!, first!, 'camera')).toEqual({ consume: true, spatialLayer: 0 });
    expect(subscription(first!, teacher!, 'camera')).toEqual({ consume: true, spatialLayer: null });
    expect(subscription(first!, second!, 'camera').consume).toBe(false);
    expect(subscription(second!, first!, 'microphone').consume).toBe(true);
    expect(subscription(first!, first!, 'microphone').consume).toBe(false);
  });

  it('livestream, audio-only and meeting have the shapes their names promise', () => {
    expect(expectedStreams(planScenario('livestream', params))).toEqual({ video: 5, audio: 5, bots: 6, publishers: 1 });
    // 3 speakers (teacher + 2 floor holders) to 5 listeners and to each other.
    expect(expectedStreams(planScenario('audio-only', params))).toEqual({ video: 0, audio: 3 * 5 + 3 * 2, bots: 8, publishers: 3 });
    // 4 cameras, each to the 3 others; the teacher's microphone to 3.
    expect(expectedStreams(planScenario('meeting', params))).toEqual({ video: 4 * 3, audio: 3, bots: 4, publishers: 4 });
  });

  it('district: L lessons of the classroom shape, ids unique across the run', () => {
    const plan = planScenario('district', params);
    expect(plan.lessons).toHaveLength(3);
    const ids = plan.lessons.flatMap((lesson) => lesson.bots.map((bot) => bot.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(expectedStreams(plan).video).toBe(3 * expectedStreams(planScenario('classroom', params)).video);
  });

  it('refuses more speakers than a lesson has floor places', () => {
    expect(() => planScenario('audio-only', { ...params, speakers: 18 })).toThrow(RangeError);
  });
});
