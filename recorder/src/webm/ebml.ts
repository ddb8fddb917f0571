/*
 * The little of EBML (RFC 8794) a Matroska/WebM writer needs: element ids,
 * variable-length sizes, and unsigned, float, string and binary payloads.
 */

/** An element size that says "unknown": the element runs to the end of its parent (or the file). */
export const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** EBML variable-length size: the shortest encoding (1–8 bytes), never the all-ones "unknown" pattern. */
export function encodeSize(size: number): Buffer {
  for (let length = 1; length <= 8; length++) {
    // 7 usable bits per byte; all ones is reserved for "unknown".
    if (size < 2 ** (7 * length) - 1) {
      const bytes = Buffer.alloc(length);
      let rest = size;
      for (let index = length - 1; index >= 0; index--) {
        bytes[index] = rest % 256;
        rest = Math.floor(rest / 256);
      }
      bytes[0]! |= 1 << (8 - length);
      return bytes;
    }
  }
  throw new RangeError(`EBML size too large: ${size}`);
}

/** Element ids are written as their bytes (the marker bit is part of the id). */
export function encodeId(id: number): Buffer {
  const bytes: number[] = [];
  for (let rest = id; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from(bytes);
}

export function element(id: number, payload: Buffer | Buffer[]): Buffer {
  const body = Array.isArray(payload) ? Buffer.concat(payload) : payload;
  return Buffer.concat([encodeId(id), encodeSize(body.length), body]);
}

export function uint(id: number, value: number): Buffer {
  let length = 1;
  while (length < 8 && value >= 2 ** (8 * length)) length++;
  const bytes = Buffer.alloc(length);
  let rest = value;
  for (let index = length - 1; index >= 0; index--) {
    bytes[index] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return element(id, bytes);
}

export function float(id: number, value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(value);
  return element(id, bytes);
}

export function string(id: number, value: string): Buffer {
  return element(id, Buffer.from(value, 'utf8'));
}

/** Reads a size at `offset`: its value (null for "unknown") and length, or null when truncated/invalid. */
export function readSize(buffer: Buffer, offset: number): { value: number | null; length: number } | null {
  if (offset >= buffer.length) return null;
  const first = buffer[offset]!;
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > 8 || offset + length > buffer.length) return null;
  let value = first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let index = 1; index < length; index++) {
    const byte = buffer[offset + index]!;
    value = value * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  return { value: allOnes ? null : value, length };
}

/** Reads an element id at `offset` (1–4 bytes), or null when truncated/invalid. */
export function readId(buffer: Buffer, offset: number): { id: number; length: number } | null {
  if (offset >= buffer.length) return null;
  const first = buffer[offset]!;
  let length = 1;
  while (length <= 4 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > 4 || offset + length > buffer.length) return null;
  let id = 0;
  for (let index = 0; index < length; index++) id = id * 256 + buffer[offset + index]!;
  return { id, length };
}

/** Matroska element ids used here. */
export const Id = {
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimestampScale: 0x2ad7b1,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  FlagLacing: 0x9c,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  CodecDelay: 0x56aa,
  SeekPreRoll: 0x56bb,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
} as const;
