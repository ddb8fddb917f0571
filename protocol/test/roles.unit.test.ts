import { canModerate, canPublish, canRaiseHand, isVisible, kindOfSource, needsFloor, roles } from '@classbridge/protocol';

describe('role policy', () => {
  it('lets only the teacher moderate and share a screen', () => {
    expect(roles.filter(canModerate)).toEqual(['teacher']);
    expect(roles.filter((role) => canPublish(role, 'screen'))).toEqual(['teacher']);
  });

  it('puts room and student microphones behind the floor, never the teacher', () => {
    expect(needsFloor('classroom', 'microphone')).toBe(true);
    expect(needsFloor('student', 'microphone')).toBe(true);
    expect(needsFloor('teacher', 'microphone')).toBe(false);
    expect(needsFloor('classroom', 'camera')).toBe(false);
  });

  it('keeps observers and services receive-only, and services invisible', () => {
    for (const role of ['observer', 'recorder', 'captioner'] as const) {
      expect(['camera', 'microphone', 'screen'].some((source) => canPublish(role, source as 'camera'))).toBe(false);
      expect(canRaiseHand(role)).toBe(false);
    }
    expect(isVisible('observer')).toBe(true);
    expect(isVisible('recorder')).toBe(false);
    expect(isVisible('captioner')).toBe(false);
  });

  it('maps sources to media kinds', () => {
    expect([kindOfSource('microphone'), kindOfSource('camera'), kindOfSource('screen')]).toEqual(['audio', 'video', 'video']);
  });
});
