import type { Readable } from 'node:stream';

/**
 * Where recordings live. One implementation today (a local directory,
 * RECORDINGS_DIR); an object store can replace it later. Capture and ffmpeg need
 * real files while a recording is made, so a recording has a local working
 * directory; everything else goes through these calls.
 *
 * Ids and file names are checked by every implementation: nothing outside a
 * recording's own directory can be named (no traversal, no absolute paths).
 */
export interface RecordingStorage {
  /** Creates the recording's directory; its absolute local path. */
  create(recordingId: string): Promise<string>;
  /** The local path of a file of a recording (for capture and ffmpeg). */
  localPath(recordingId: string, name: string): string;
  /** Replaces a file atomically (temporary file, fsync, rename): readers see the old or the new content. */
  writeAtomic(recordingId: string, name: string, data: string | Buffer): Promise<void>;
  read(recordingId: string, name: string): Promise<Buffer>;
  /** Size and modification time, or null when absent. */
  stat(recordingId: string, name: string): Promise<{ bytes: number; modifiedAt: Date } | null>;
  /** A byte range (inclusive end) or the whole file. */
  openRead(recordingId: string, name: string, range?: { start: number; end: number }): Readable;
  /** Recording ids present. */
  list(): Promise<string[]>;
  /** Files of a recording. */
  files(recordingId: string): Promise<string[]>;
  /** Removes every file of a recording. */
  delete(recordingId: string): Promise<void>;
  /** Free bytes where recordings are written (null when unknown). */
  freeBytes(): Promise<number | null>;
}

const RECORDING_ID = /^[A-Za-z0-9_-]{8,64}$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Recording ids are ours (random, url-safe); anything else is refused before it touches a path. */
export function isRecordingId(value: string): boolean {
  return RECORDING_ID.test(value);
}

export function isRecordingFileName(value: string): boolean {
  return FILE_NAME.test(value) && !value.includes('..');
}

export class StorageNameError extends Error {
  constructor(what: string) {
    super(`invalid recording ${what}`);
    this.name = 'StorageNameError';
  }
}
