import { ProcessingQueue } from '../src/processing/ProcessingQueue.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('ProcessingQueue', () => {
  it('runs one job at a time, urgent ones first', async () => {
    const queue = new ProcessingQueue();
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const job = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      order.push(name);
      await tick();
      running--;
      return name;
    };
    const results = await Promise.all([
      queue.run(job('routine-1')),
      queue.run(job('routine-2')),
      queue.run(job('urgent'), { urgent: true }),
      queue.run(job('routine-3')),
    ]);
    expect(results).toEqual(['routine-1', 'routine-2', 'urgent', 'routine-3']);
    // routine-1 was already running when the urgent job came; the urgent one goes next.
    expect(order).toEqual(['routine-1', 'urgent', 'routine-2', 'routine-3']);
    expect(most).toBe(1);
  });

  it('a failing job rejects its own promise only', async () => {
    const queue = new ProcessingQueue();
    const failing = queue.run(async () => {
      throw new Error('ffmpeg failed');
    });
    const next = queue.run(async () => 'still runs');
    await expect(failing).rejects.toThrow('ffmpeg failed');
    await expect(next).resolves.toBe('still runs');
    await queue.whenIdle();
    expect(queue.busy).toBe(false);
  });

  it('refuses work once closed', async () => {
    const queue = new ProcessingQueue();
    queue.close();
    await expect(queue.run(async () => 1)).rejects.toThrow(/closed/);
  });
});
