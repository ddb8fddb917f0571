import fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Id, UNKNOWN_SIZE, element, encodeId, float, string, uint } from './ebml.js';

export interface WebmTrack {
  kind: 'audio' | 'video';
  codec: 'opus' | 'vp8' | 'h264';
}

/** A cluster is written once it holds this much media… */
const CLUSTER_MS = 1000;
/** …or a video key frame comes after this much (so clusters tend to start with one). */
const KEY_FRAME_CLUSTER_MS = 500;
/** SimpleBlock times are int16 offsets from their cluster's time. */
const MAX_CLUSTER_SPAN_MS = 30_000;
/** Frames never wait longer than this in memory (a paused producer sends no next frame to push them out). */
const IDLE_FLUSH_MS = 1000;

interface PendingFrame {
  ms: number;
  data: Buffer;
  keyFrame: boolean;
}

/**
 * A single-track WebM (Matroska for H.264) file written to survive SIGKILL at
 * any moment: the Segment has unknown size (nothing to patch at the end), and
 * media goes out in whole Clusters of about a second, each in one write
 * followed by fdatasync. A killed process loses at most the cluster it was
 * filling; every cluster before it is on disk and readable (ffmpeg reads such
 * files as live WebM). Timestamps are absolute milliseconds on the recording
 * timeline.
 */
export class LiveWebmWriter {
  readonly path: string;
  readonly track: WebmTrack;
  /** Called once when a write fails (e.g. ENOSPC); the writer then takes no more frames. */
  onError: ((error: Error) => void) | undefined;
  readonly #handle: FileHandle;
  #pending: PendingFrame[] = [];
  #headerWritten = false;
  #firstMs: number | null = null;
  #lastMs: number | null = null;
  #bytes = 0;
  #failure: Error | null = null;
  #closed = false;
  #writing: Promise<void> = Promise.resolve();
  #lastFlushAt = Date.now();
  readonly #timer: NodeJS.Timeout;

  private constructor(path: string, track: WebmTrack, handle: FileHandle) {
    this.path = path;
    this.track = track;
    this.#handle = handle;
    this.#timer = setInterval(() => {
      if (this.#pending.length > 0 && Date.now() - this.#lastFlushAt >= IDLE_FLUSH_MS) void this.flush();
    }, IDLE_FLUSH_MS / 2);
    this.#timer.unref();
  }

  /** Creates the file; an existing file is never overwritten. */
  static async open(path: string, track: WebmTrack): Promise<LiveWebmWriter> {
    return new LiveWebmWriter(path, track, await fsp.open(path, 'wx'));
  }

  get firstTimestampMs(): number | null {
    return this.#firstMs;
  }

  get lastTimestampMs(): number | null {
    return this.#lastMs;
  }

  get bytesWritten(): number {
    return this.#bytes;
  }

  get failure(): Error | null {
    return this.#failure;
  }

  /** Adds a frame; video frames before the first key frame are dropped (nothing could decode them). */
  addFrame(timestampMs: number, data: Buffer, keyFrame: boolean): void {
    if (this.#closed || this.#failure) return;
    if (this.#firstMs === null && this.track.kind === 'video' && !keyFrame) return;
    const ms = Math.max(Math.round(timestampMs), this.#lastMs ?? 0);
    const clusterStart = this.#pending[0]?.ms;
    if (clusterStart !== undefined) {
      const span = ms - clusterStart;
      const keyBoundary = this.track.kind === 'video' && keyFrame && span >= KEY_FRAME_CLUSTER_MS;
      if (span >= CLUSTER_MS || keyBoundary || span > MAX_CLUSTER_SPAN_MS) this.#queueCluster();
    }
    if (this.#firstMs === null) {
      this.#firstMs = ms;
      this.#queueHeader(data);
    }
    this.#lastMs = ms;
    this.#pending.push({ ms, data, keyFrame: this.track.kind === 'audio' || keyFrame });
  }

  /** Writes what is buffered (a partial cluster) and syncs it. */
  flush(): Promise<void> {
    if (this.#pending.length > 0 && !this.#failure) this.#queueCluster();
    return this.#writing;
  }

  async close(): Promise<void> {
    if (this.#closed) return this.#writing;
    await this.flush();
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#handle.close().catch(() => undefined);
  }

  #queueHeader(firstFrame: Buffer): void {
    const size = this.track.codec === 'vp8' ? vp8Size(firstFrame) : null;
    this.#enqueue(header(this.track, size));
    this.#headerWritten = true;
  }

  #queueCluster(): void {
    const frames = this.#pending;
    this.#pending = [];
    if (frames.length === 0 || !this.#headerWritten) return;
    const start = frames[0]!.ms;
    const blocks = frames.map((frame) => {
      const head = Buffer.alloc(4);
      head[0] = 0x81; // track number 1 as an EBML vint
      head.writeInt16BE(frame.ms - start, 1);
      head[3] = frame.keyFrame ? 0x80 : 0x00;
      return element(Id.SimpleBlock, [head, frame.data]);
    });
    this.#enqueue(element(Id.Cluster, [uint(Id.Timestamp, start), ...blocks]));
  }

  #enqueue(bytes: Buffer): void {
    this.#lastFlushAt = Date.now();
    this.#writing = this.#writing.then(async () => {
      if (this.#failure) return;
      try {
        await this.#handle.write(bytes);
        await this.#handle.datasync();
        this.#bytes += bytes.length;
      } catch (error) {
        this.#failure = error as Error;
        this.#pending = [];
        this.onError?.(this.#failure);
      }
    });
  }
}

function header(track: WebmTrack, size: { width: number; height: number } | null): Buffer {
  const ebml = element(Id.EBML, [
    uint(Id.EBMLVersion, 1),
    uint(Id.EBMLReadVersion, 1),
    uint(Id.EBMLMaxIDLength, 4),
    uint(Id.EBMLMaxSizeLength, 8),
    string(Id.DocType, track.codec === 'h264' ? 'matroska' : 'webm'),
    uint(Id.DocTypeVersion, 4),
    uint(Id.DocTypeReadVersion, 2),
  ]);
  const info = element(Id.Info, [uint(Id.TimestampScale, 1_000_000), string(Id.MuxingApp, 'ClassBridge'), string(Id.WritingApp, 'ClassBridge')]);
  const entry =
    track.kind === 'audio'
      ? [
          uint(Id.TrackNumber, 1),
          uint(Id.TrackUID, 1),
          uint(Id.TrackType, 2),
          uint(Id.FlagLacing, 0),
          string(Id.CodecID, 'A_OPUS'),
          element(Id.CodecPrivate, opusHead()),
          uint(Id.CodecDelay, 6_500_000),
          uint(Id.SeekPreRoll, 80_000_000),
          element(Id.Audio, [float(Id.SamplingFrequency, 48_000), uint(Id.Channels, 2)]),
        ]
      : [
          uint(Id.TrackNumber, 1),
          uint(Id.TrackUID, 1),
          uint(Id.TrackType, 1),
          uint(Id.FlagLacing, 0),
          string(Id.CodecID, track.codec === 'h264' ? 'V_MPEG4/ISO/AVC' : 'V_VP8'),
          ...(size ? [element(Id.Video, [uint(Id.PixelWidth, size.width), uint(Id.PixelHeight, size.height)])] : []),
        ];
  const tracks = element(Id.Tracks, element(Id.TrackEntry, entry));
  return Buffer.concat([ebml, encodeId(Id.Segment), UNKNOWN_SIZE, info, tracks]);
}

/** The Opus identification header Matroska carries as CodecPrivate (RFC 7845 §5.1). */
function opusHead(): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'ascii');
  head[8] = 1; // version
  head[9] = 2; // channels
  head.writeUInt16LE(312, 10); // pre-skip
  head.writeUInt32LE(48_000, 12);
  head.writeInt16LE(0, 16); // output gain
  head[18] = 0; // channel mapping family
  return head;
}

/** Width and height from a VP8 key frame header (after the start code 9d 01 2a). */
function vp8Size(frame: Buffer): { width: number; height: number } | null {
  if (frame.length < 10 || frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return null;
  return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}
