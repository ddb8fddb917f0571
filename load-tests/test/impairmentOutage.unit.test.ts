import { OutageSchedule } from '../src/impairment/index.js';

describe('OutageSchedule', () => {
  it('is down from the start (inclusive) to the end (exclusive)', () => {
    const schedule = new OutageSchedule();
    schedule.add(100, 200);
    expect(schedule.isDown(99.9)).toBe(false);
    expect(schedule.isDown(100)).toBe(true);
    expect(schedule.isDown(199.9)).toBe(true);
    expect(schedule.isDown(200)).toBe(false);
  });

  it('takes outages of a duration from now, and ignores empty ones', () => {
    const schedule = new OutageSchedule();
    schedule.addFor(1000, 500);
    schedule.addFor(3000, 0);
    expect(schedule.isDown(1200)).toBe(true);
    expect(schedule.isDown(1500)).toBe(false);
    expect(schedule.isDown(3000)).toBe(false);
  });

  it('chains overlapping windows and prunes those past', () => {
    const schedule = new OutageSchedule();
    schedule.add(0, 100);
    schedule.add(50, 300);
    schedule.add(1000, 1100);
    expect(schedule.upAgainAt(10)).toBe(300);
    expect(schedule.upAgainAt(500)).toBe(500);
    expect(schedule.isDown(250)).toBe(true);
    expect(schedule.pending(250)).toEqual([
      { startMs: 50, endMs: 300 },
      { startMs: 1000, endMs: 1100 },
    ]);
    expect(schedule.isDown(400)).toBe(false);
    expect(schedule.pending(400)).toEqual([{ startMs: 1000, endMs: 1100 }]);
    schedule.clear();
    expect(schedule.isDown(1050)).toBe(false);
  });

  it('refuses windows that end before they start', () => {
    const schedule = new OutageSchedule();
    expect(() => schedule.add(10, 5)).toThrow(RangeError);
    expect(() => schedule.addFor(0, -1)).toThrow(RangeError);
  });
});
