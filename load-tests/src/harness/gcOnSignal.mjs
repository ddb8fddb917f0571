// Preloaded into a server under test (node --expose-gc --import <this file> signaling/dist/main.js)
// by load-tests/src/harness/serverProcess.ts, never in production: SIGUSR2 runs a full garbage
// collection, so heap figures taken from /metrics before and after a run are comparable.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
});
