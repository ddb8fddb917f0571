import { CaptionWorker } from '../../src/worker/CaptionWorker.js';

/**
 * A caption worker process for the tests of one describe block: started before them, closed
 * after them. Call inside `describe`; the returned function gives the running worker.
 */
export function sharedCaptionWorker(): () => CaptionWorker {
  let worker: CaptionWorker | undefined;
  beforeAll(async () => {
    worker = new CaptionWorker();
    await worker.start();
  });
  afterAll(async () => {
    await worker?.close();
  });
  return () => {
    if (!worker) throw new Error('the caption worker is not started (call sharedCaptionWorker inside describe)');
    return worker;
  };
}
