import { DeliveryScheduler } from '../src/impairment/index.js';
import { MinHeap } from '../src/impairment/MinHeap.js';
import { FakeClock } from './support/fakeClock.js';

describe('MinHeap', () => {
  it('pops in order', () => {
    const heap = new MinHeap<number>((a, b) => a < b);
    const values = [5, 3, 9, 1, 7, 3, 8, 2, 6, 4, 0];
    for (const v of values) heap.push(v);
    expect(heap.size).toBe(values.length);
    const out: number[] = [];
    while (heap.size) out.push(heap.pop()!);
    expect(out).toEqual([...values].sort((a, b) => a - b));
    expect(heap.pop()).toBeUndefined();
  });
});

describe('DeliveryScheduler', () => {
  it('runs entries at their due times, in due order, with one timer', () => {
    const clock = new FakeClock();
    const scheduler = new DeliveryScheduler(clock);
    const ran: [string, number][] = [];
    const note = (name: string) => () => ran.push([name, clock.now()]);
    scheduler.at(30, note('c'));
    scheduler.at(10, note('a'));
    scheduler.at(20, note('b'));
    expect(clock.activeTimers).toBe(1);
    expect(scheduler.pending).toBe(3);
    clock.advance(100);
    expect(ran).toEqual([
      ['a', 10],
      ['b', 20],
      ['c', 30],
    ]);
    expect(scheduler.pending).toBe(0);
    expect(clock.activeTimers).toBe(0);
  });

  it('keeps ties in the order they were added', () => {
    const clock = new FakeClock();
    const scheduler = new DeliveryScheduler(clock);
    const ran: number[] = [];
    for (let i = 0; i < 50; i++) scheduler.at(5, () => ran.push(i));
    clock.advance(10);
    expect(ran).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('runs a due entry at once, but never ahead of an overdue one', () => {
    const clock = new FakeClock();
    const scheduler = new DeliveryScheduler(clock);
    const ran: string[] = [];
    scheduler.at(0, () => ran.push('now'));
    expect(ran).toEqual(['now']);
    clock.lateMs = 5; // the timer for 'first' fires late
    scheduler.at(10, () => ran.push('first'));
    clock.time = 12; // due, timer not fired yet
    scheduler.at(11, () => ran.push('second'));
    expect(ran).toEqual(['now']);
    clock.advance(10);
    expect(ran).toEqual(['now', 'first', 'second']);
  });

  it('runs an entry slightly early rather than arm another timer, but not more than the tolerance', () => {
    const clock = new FakeClock();
    const scheduler = new DeliveryScheduler(clock); // default tolerance: 0.5 ms
    const ran: number[] = [];
    scheduler.at(10.4, () => ran.push(clock.now()));
    scheduler.at(10.9, () => ran.push(clock.now()));
    clock.advance(10); // timer armed for round(10.4) = 10
    expect(ran).toEqual([10]);
    clock.advance(5);
    expect(ran).toEqual([10, 11]);
  });

  it('rearms for an earlier entry', () => {
    const clock = new FakeClock();
    const scheduler = new DeliveryScheduler(clock);
    const ran: string[] = [];
    scheduler.at(100, () => ran.push('late'));
    scheduler.at(5, () => ran.push('early'));
    expect(clock.activeTimers).toBe(1);
    clock.advance(6);
    expect(ran).toEqual(['early']);
    clock.advance(100);
    expect(ran).toEqual(['early', 'late']);
  });

  it('drops pending entries and refuses new ones once stopped', () => {
    const clock = new FakeClock();
    const scheduler = new DeliveryScheduler(clock);
    const ran: string[] = [];
    scheduler.at(10, () => ran.push('pending'));
    scheduler.stop();
    scheduler.at(0, () => ran.push('new'));
    clock.advance(100);
    expect(ran).toEqual([]);
    expect(clock.activeTimers).toBe(0);
  });
});
