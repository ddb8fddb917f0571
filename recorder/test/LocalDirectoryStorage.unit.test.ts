import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalDirectoryStorage } from '../src/storage/LocalDirectoryStorage.js';

describe('LocalDirectoryStorage', () => {
  let root: string;
  let storage: LocalDirectoryStorage;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'classbridge-storage-'));
    storage = new LocalDirectoryStorage(path.join(root, 'recordings'));
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('keeps every name inside the recording directory', () => {
    const bad = ['..', '../x', 'a/b', '/etc/passwd', '.hidden', 'x\\..\\y', '', 'a'.repeat(200), '%2e%2e'];
    for (const name of bad) expect(() => storage.localPath('recording-1', name)).toThrow(/invalid recording file name/);
    for (const id of ['..', '../secret', 'short', 'with/slash', 'a b c d e f', '%2e%2e%2f%2e%2e']) expect(() => storage.localPath(id, 'manifest.json')).toThrow(/invalid recording id/);
    expect(storage.localPath('recording-1', 'seg-00001.ts')).toBe(path.join(root, 'recordings', 'recording-1', 'seg-00001.ts'));
  });

  it('writes atomically: concurrent writers leave one whole version, never a mix or a temporary file', async () => {
    await storage.create('recording-1');
    const versions = Array.from({ length: 20 }, (_, i) => JSON.stringify({ version: i, padding: 'x'.repeat(50_000) }));
    await Promise.all(versions.map((text) => storage.writeAtomic('recording-1', 'manifest.json', text)));
    const final = (await storage.read('recording-1', 'manifest.json')).toString();
    expect(versions).toContain(final);
    expect(await storage.files('recording-1')).toEqual(['manifest.json']);
  });

  it('lists recordings, serves byte ranges and deletes every file', async () => {
    await storage.create('recording-1');
    await storage.create('recording-2');
    await storage.writeAtomic('recording-1', 'lesson.mp4', Buffer.from('0123456789'));
    expect((await storage.list()).sort()).toEqual(['recording-1', 'recording-2']);
    const chunks: Buffer[] = [];
    for await (const chunk of storage.openRead('recording-1', 'lesson.mp4', { start: 2, end: 5 })) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('2345');
    expect(await storage.stat('recording-1', 'lesson.mp4')).toMatchObject({ bytes: 10 });
    expect(await storage.stat('recording-1', 'missing.ts')).toBeNull();
    await storage.delete('recording-1');
    expect(await storage.list()).toEqual(['recording-2']);
    await expect(fs.access(path.join(root, 'recordings', 'recording-1'))).rejects.toThrow();
    expect(await storage.freeBytes()).toBeGreaterThan(0);
  });
});
