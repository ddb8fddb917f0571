import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { StorageNameError, isRecordingFileName, isRecordingId } from './RecordingStorage.js';
import type { RecordingStorage } from './RecordingStorage.js';

/** Recordings as directories under one root (RECORDINGS_DIR): `<root>/<recordingId>/<file>`. */
export class LocalDirectoryStorage implements RecordingStorage {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  async create(recordingId: string): Promise<string> {
    const dir = this.#dir(recordingId);
    await fsp.mkdir(dir, { recursive: true });
    return dir;
  }

  localPath(recordingId: string, name: string): string {
    if (!isRecordingFileName(name)) throw new StorageNameError('file name');
    return path.join(this.#dir(recordingId), name);
  }

  async writeAtomic(recordingId: string, name: string, data: string | Buffer): Promise<void> {
    const target = this.localPath(recordingId, name);
    const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const handle = await fsp.open(temporary, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fsp.rename(temporary, target);
    } catch (error) {
      await fsp.rm(temporary, { force: true });
      throw error;
    }
  }

  read(recordingId: string, name: string): Promise<Buffer> {
    return fsp.readFile(this.localPath(recordingId, name));
  }

  async stat(recordingId: string, name: string): Promise<{ bytes: number; modifiedAt: Date } | null> {
    try {
      const stats = await fsp.stat(this.localPath(recordingId, name));
      return stats.isFile() ? { bytes: stats.size, modifiedAt: stats.mtime } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  openRead(recordingId: string, name: string, range?: { start: number; end: number }): Readable {
    return fs.createReadStream(this.localPath(recordingId, name), range ?? {});
  }

  async list(): Promise<string[]> {
    try {
      const entries = await fsp.readdir(this.root, { withFileTypes: true });
      return entries.filter((entry) => entry.isDirectory() && isRecordingId(entry.name)).map((entry) => entry.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async files(recordingId: string): Promise<string[]> {
    try {
      return (await fsp.readdir(this.#dir(recordingId))).filter(isRecordingFileName);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async delete(recordingId: string): Promise<void> {
    await fsp.rm(this.#dir(recordingId), { recursive: true, force: true });
  }

  async freeBytes(): Promise<number | null> {
    try {
      await fsp.mkdir(this.root, { recursive: true });
      const stats = await fsp.statfs(this.root);
      return stats.bavail * stats.bsize;
    } catch {
      return null;
    }
  }

  #dir(recordingId: string): string {
    if (!isRecordingId(recordingId)) throw new StorageNameError('id');
    return path.join(this.root, recordingId);
  }
}
