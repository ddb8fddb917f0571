import { mediaPriority } from '../src/live/mediaPriority.js';

describe('mediaPriority', () => {
  it('orders the teacher\'s screen, the teacher\'s camera, the floor holder, then the rest', () => {
    const order = [
      mediaPriority({ role: 'teacher', source: 'screen', hasFloor: false }),
      mediaPriority({ role: 'teacher', source: 'camera', hasFloor: false }),
      mediaPriority({ role: 'classroom', source: 'camera', hasFloor: true }),
      mediaPriority({ role: 'classroom', source: 'camera', hasFloor: false }),
    ];
    expect([...order].sort((a, b) => b - a)).toEqual(order);
    expect(new Set(order).size).toBe(4);
    for (const p of order) expect(p).toBeGreaterThanOrEqual(1);
    for (const p of order) expect(p).toBeLessThanOrEqual(255);
  });

  it('leaves audio at the default (it is not traded against video)', () => {
    expect(mediaPriority({ role: 'teacher', source: 'microphone', hasFloor: false })).toBe(1);
    expect(mediaPriority({ role: 'classroom', source: 'microphone', hasFloor: true })).toBe(1);
  });
});
