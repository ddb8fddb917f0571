import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../src/config.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const examples = path.join(repo, 'scripts', 'cluster');
const read = (...parts: string[]) => fs.readFileSync(path.join(...parts), 'utf8');

/** Variables the SFU node process reads: named in sfu/src/main.ts as process.env['X'] or port('X', …). */
const SFU_VARIABLES = new Set([...read(repo, 'sfu', 'src', 'main.ts').matchAll(/(?:process\.env\['|port\(')([A-Z_]+)'/g)].map((match) => match[1]!));

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
}

const rtcPorts = (env: Record<string, string>) => Array.from({ length: Number(env['NUM_WORKERS'] ?? 1) }, (_, i) => Number(env['RTC_PORT']) + i);

const envFile = (text: string) => Object.fromEntries(text.split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split('=', 2) as [string, string]));

/**
 * The operator's examples (docker-compose.yml, systemd units and their environment files) name
 * only settings the processes really read, run the real entry points, and give every node what a
 * cluster needs. (The compose file was also checked with docker-compose 1.29 `config -q`, and the
 * units with `systemd-analyze verify`, where those tools were installed.)
 */
describe('cluster deployment examples', () => {
  const compose = parse(read(examples, 'docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
  const services = Object.entries(compose.services);
  const byEntry = (entry: string) => services.filter(([, service]) => service.command?.includes(entry));

  it('knows the SFU node variables (the parse of main.ts found them)', () => {
    expect([...SFU_VARIABLES]).toEqual(expect.arrayContaining(['REDIS_URL', 'SFU_NODE_ID', 'SFU_REGION', 'RTC_PORT', 'PIPE_LISTEN_IP', 'HEALTH_PORT']));
  });

  it('compose: signaling nodes share Redis and the token secret, have distinct ids, and set only real settings', () => {
    const signaling = byEntry('signaling/dist/main.js');
    expect(signaling.length).toBeGreaterThanOrEqual(2);
    for (const [, service] of signaling) {
      expect(Object.keys(service.environment ?? {}).filter((key) => !CONFIG_VARIABLES.includes(key))).toEqual([]);
      expect(service.environment?.['REDIS_URL']).toBe('redis://redis:6379');
    }
    expect(new Set(signaling.map(([, service]) => service.environment?.['SIGNALING_NODE_ID'])).size).toBe(signaling.length);
    expect(new Set(signaling.map(([, service]) => service.environment?.['TOKEN_SECRET'])).size).toBe(1);
  });

  it('compose: SFU nodes have distinct ids and RTC ports, a region, published RTC ports, and set only real settings', () => {
    const sfu = byEntry('sfu/dist/main.js');
    expect(sfu.length).toBeGreaterThanOrEqual(2);
    for (const [, service] of sfu) {
      const env = service.environment ?? {};
      expect(Object.keys(env).filter((key) => !SFU_VARIABLES.has(key))).toEqual([]);
      expect(env['SFU_REGION']).toMatch(/^[a-z-]+$/);
      // Worker i listens on RTC_PORT + i: every worker's port is published, UDP and TCP.
      const range = `${rtcPorts(env).at(0)}-${rtcPorts(env).at(-1)}`;
      expect(service.ports).toEqual(expect.arrayContaining([`${range}:${range}/udp`, `${range}:${range}/tcp`]));
    }
    expect(new Set(sfu.map(([, service]) => service.environment?.['SFU_NODE_ID'])).size).toBe(sfu.length);
    // On one host the nodes' worker ports must not overlap.
    const all = sfu.flatMap(([, service]) => rtcPorts(service.environment ?? {}));
    expect(new Set(all).size).toBe(all.length);
  });

  it('systemd: each unit runs its entry point, and its example environment sets only real settings', () => {
    const units = [
      { unit: 'classbridge-signaling@.service', entry: 'signaling/dist/main.js', env: 'signaling-1.env.example', known: (key: string) => CONFIG_VARIABLES.includes(key) },
      { unit: 'classbridge-sfu@.service', entry: 'sfu/dist/main.js', env: 'sfu-county-1.env.example', known: (key: string) => SFU_VARIABLES.has(key) },
    ];
    for (const { unit, entry, env, known } of units) {
      const text = read(examples, 'systemd', unit);
      expect(text).toMatch(new RegExp(`^ExecStart=/usr/bin/node /opt/classbridge/${entry.replace(/[./]/g, '\\$&')}$`, 'm'));
      expect(text).toMatch(/^Restart=always$/m);
      expect(fs.existsSync(path.join(repo, entry.replace('dist/main.js', 'src/main.ts')))).toBe(true);
      expect(Object.keys(envFile(read(examples, 'systemd', env))).filter((key) => !known(key))).toEqual([]);
    }
  });
});
