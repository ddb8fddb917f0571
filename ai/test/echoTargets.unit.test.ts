import { echoTargets } from '../src/echo/echoTargets.js';

describe('echoTargets', () => {
  const mics = [
    { producerId: 'p-teacher', participantId: 'teacher', role: 'teacher' as const },
    { producerId: 'p-room1', participantId: 'room1', role: 'classroom' as const },
    { producerId: 'p-room2', participantId: 'room2', role: 'classroom' as const },
    { producerId: 'p-student', participantId: 'student', role: 'student' as const },
  ];

  it('listens to nothing while no classroom holds the floor', () => {
    expect([...echoTargets(mics, [])]).toEqual([]);
    expect([...echoTargets(mics, ['student'])]).toEqual([]);
  });

  it('listens to floor-holding classrooms against the teacher as the reference', () => {
    expect(Object.fromEntries(echoTargets(mics, ['room2']))).toEqual({ 'p-teacher': 'reference', 'p-room2': 'microphone' });
    expect(Object.fromEntries(echoTargets(mics, ['room1', 'room2', 'student']))).toEqual({ 'p-teacher': 'reference', 'p-room1': 'microphone', 'p-room2': 'microphone' });
  });

  it('listens to a classroom even before the teacher publishes (the reference joins later)', () => {
    expect(Object.fromEntries(echoTargets(mics.slice(1), ['room1']))).toEqual({ 'p-room1': 'microphone' });
  });
});
