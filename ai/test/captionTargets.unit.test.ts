import { captionTargets } from '../src/captions/captionTargets.js';

describe('captionTargets', () => {
  const mics = [
    { producerId: 'p-teacher', participantId: 'teacher', role: 'teacher' as const },
    { producerId: 'p-room1', participantId: 'room1', role: 'classroom' as const },
    { producerId: 'p-room2', participantId: 'room2', role: 'classroom' as const },
    { producerId: 'p-student', participantId: 'student', role: 'student' as const },
  ];

  it('captions the teacher always and only the floor holders besides', () => {
    expect(captionTargets(mics, [])).toEqual(['p-teacher']);
    expect(captionTargets(mics, ['room2'])).toEqual(['p-teacher', 'p-room2']);
    expect(captionTargets(mics, ['room1', 'student'])).toEqual(['p-teacher', 'p-room1', 'p-student']);
  });

  it('ignores floor holders without a microphone and observers', () => {
    expect(captionTargets([{ producerId: 'p-obs', participantId: 'obs', role: 'observer' as const }], ['nobody'])).toEqual([]);
  });
});
