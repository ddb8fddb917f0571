import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The built module (npm test builds first): the child is plain Node, without jest's TypeScript transform.
const guard = fileURLToPath(new URL('../dist/processGuard.js', import.meta.url));

/**
 * The guard runs in a child process of its own: an uncaught error there must be
 * logged and counted while the process keeps going.
 */
function runChild(installGuard: boolean) {
  const script = `
    const { installProcessGuard } = await import(${JSON.stringify(guard)});
    const counted = [];
    const logger = { error: (fields, message) => console.log('LOG', fields.kind, message) };
    if (${installGuard}) installProcessGuard(logger, (kind) => counted.push(kind));
    setTimeout(() => { throw new Error('a handler bug'); }, 10);
    setTimeout(() => { Promise.reject(new Error('a forgotten promise')); }, 20);
    setTimeout(() => { console.log('STILL SERVING', JSON.stringify(counted)); }, 100);
  `;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
}

describe('installProcessGuard', () => {
  it('logs and counts uncaught errors and keeps the process alive', () => {
    const child = runChild(true);
    expect(child.stdout).toContain('STILL SERVING ["exception","rejection"]');
    expect(child.stdout).toContain('LOG exception uncaught exception; still serving');
    expect(child.status).toBe(0);
  });

  it('without it, the same error ends the process (the test can fail)', () => {
    const child = runChild(false);
    expect(child.stdout).not.toContain('STILL SERVING');
    expect(child.status).not.toBe(0);
  });
});
