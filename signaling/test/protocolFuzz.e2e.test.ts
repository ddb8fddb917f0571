import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { Browser, Page } from 'playwright-core';
import { ErrorCode, MAX_REQUEST_BYTES, requestSchemas } from '@classbridge/protocol';
import { launchBrowser, openPage, receiveStats, startServerProcess, total, waitForStats } from '@classbridge/load-tests';
import type { PageInbound, ServerProcess } from '@classbridge/load-tests';
import { connect, opusRtpParameters, vp8RtpParameters } from './support/socketClient.js';
import type { TestSocket } from './support/socketClient.js';

/*
 * Protocol fuzz against the real server running as its own OS process: sockets of every
 * role send thousands of generated hostile messages (wrong types, missing and extra fields,
 * huge and deeply nested values, prototype keys, bogus ids, hostile RTP and DTLS parameters,
 * malformed envelopes and events, connect/disconnect storms) while a teacher page and a
 * classroom page in headless Chromium keep exchanging media. Afterwards: the process is alive
 * and healthy, every request that asked for an answer got exactly one with a stable code,
 * no error text leaks internals, the media never stopped, and memory, sockets and media
 * objects return to their baseline once the fuzzers are gone.
 *
 * Reproduce a run with FUZZ_SEED=<seed printed in the summary>; FUZZ_REPORT=<file> writes
 * every distinct error message and the details of failures as JSON.
 */

jest.setTimeout(120_000);

const LESSON = 'demo-music-g4';
const OTHER_LESSON = 'demo-english-g4';
const SEED = (process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : Date.now() % 2 ** 32) >>> 0;
/** Hostile requests the run must send at least. */
const MIN_MESSAGES = 5_000;
/** The fuzzers keep going this long at least, so the media is watched for a while… */
const MIN_PHASE_MS = 22_000;
/** …and stop after this long even if fewer messages went out (the count assertion then fails). */
const MAX_PHASE_MS = 45_000;
/** Requests sent until both the minimum time and this count are reached. */
const TARGET_MESSAGES = 6_500;
const ACK_TIMEOUT_MS = 5_000;
/** engine.io's maxHttpBufferSize on the server: a bigger frame closes the connection by design. */
const FRAME_CAP_BYTES = 64 * 1024;
/** Generated frames stay this far below the cap unless they are meant to exceed it. */
const FRAME_MARGIN_BYTES = 1_024;
const MEDIA_SAMPLE_MS = 2_000;
const HEAP_SLACK_BYTES = 20 * 1024 * 1024;

const STABLE_CODES = new Set<string>(Object.values(ErrorCode));
const METHODS = Object.keys(requestSchemas) as Array<keyof typeof requestSchemas>;

/** Text that would betray internals: stack frames, file paths, library and runtime error texts. */
const LEAK =
  /\bat (?:async )?[\w$.<>[\]]+ \(|\bat [\w$.<>]+:\d|\.[cm]?[jt]s:\d|node:internal|node_modules|mediasoup|\[method:|\b(?:Type|Reference|Range|Syntax|Eval|URI|Unsupported|Zod|Assertion)Error\b|Cannot read|Cannot set|Cannot destructure|Cannot convert|undefined is not|null is not|is not a function|is not defined|is not iterable|is not a constructor|Maximum call stack|Unexpected token|Unexpected end of JSON|in JSON at position|Object\.<anonymous>|\/work\/|\/home\/|\/usr\/|\/tmp\/|\/root\/|file:\/\/|\bstack\b|\berrno\b|\bsyscall\b|Channel request|channel closed|worker (?:died|closed|process)|\bpid\b|ERR_[A-Z_]{3,}|\[\w+:[^\]]*\]|RTP listener|rtpMapping|RTX PT|already called|\bPT \d/i;
const LEAK_CASE_SENSITIVE = /\bE(?:CONN[A-Z]+|ADDR[A-Z]+|PIPE|NOENT|ACCES|PERM|TIMEDOUT|HOSTUNREACH|NETUNREACH|MFILE|AGAIN|INVAL|BADF|NOTCONN|EXIST)\b/;
const leaks = (text: string) => LEAK.test(text) || LEAK_CASE_SENSITIVE.test(text);

/** Longest error message accepted: a reply must not mirror a huge input back (reflection, log bloat). */
const MAX_MESSAGE_CHARS = 1_024;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits for `promise`, but at most `ms` (and leaves no timer behind). */
function within(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// ---- seeded randomness ------------------------------------------------------

class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** mulberry32 */
  float(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)] as T;
  }
  weighted<T>(table: ReadonlyArray<readonly [number, T]>): T {
    const sum = table.reduce((acc, [weight]) => acc + weight, 0);
    let roll = this.float() * sum;
    for (const [weight, value] of table) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return table[table.length - 1]![1];
  }
  fork(): Rng {
    return new Rng(this.int(0, 2 ** 32 - 1));
  }
}

// ---- hostile values -----------------------------------------------------------

type Obj = Record<string, unknown>;

/** Sets an own, enumerable property even for `__proto__` (plain assignment would replace the prototype). */
function setOwn(target: Obj, key: string, value: unknown): Obj {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const PROTO_JSON = [
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"__proto__":{"toString":"x","valueOf":1,"hasOwnProperty":"y"}}',
  '{"__proto__":null}',
  '{"prototype":{"polluted":1}}',
  '{"__proto__":{"isAdmin":true,"role":"teacher","moderate":true}}',
  '{"hasOwnProperty":"x","toString":"y"}',
  '{"toJSON":"x","then":"y"}',
  '{"__proto__":{"__proto__":{"polluted":1}}}',
];

const KEYWORDS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'then', 'toJSON'];

function rawHostileString(rng: Rng): string {
  switch (rng.int(0, 15)) {
    case 0:
      return '';
    case 1:
      return ' '.repeat(rng.int(1, 4));
    case 2:
      return 'x'.repeat(rng.int(129, 2_000));
    case 3:
      return `id\u0000${rng.int(0, 1e6)}`;
    case 4:
      return '𝕏💥\u202e\u2066غ中文\ufeff';
    case 5:
      return '\ud800\udfff\ud800x\udc00';
    case 6:
      return rng.pick(KEYWORDS);
    case 7:
      return rng.pick(['../../etc/passwd', '%s%s%n%x', '${constructor}', '{{7*7}}', '<img src=x onerror=alert(1)>', "' OR '1'='1", '\r\nX-Injected: 1', 'NaN', 'Infinity', '-1', '1e308', 'null', 'undefined', 'true', '[object Object]']);
    case 8:
      return Array.from({ length: rng.int(1, 64) }, () => String.fromCharCode(rng.int(0x20, 0x7e))).join('');
    case 9:
      return Array.from({ length: rng.int(1, 40) }, () => String.fromCodePoint(rng.chance(0.2) ? rng.int(0, 0x1f) : rng.int(0xa0, 0x2fff))).join('');
    case 10:
      return Array.from({ length: 36 }, (_, i) => ([8, 13, 18, 23].includes(i) ? '-' : rng.int(0, 15).toString(16))).join('');
    case 11:
      return '\u0000'.repeat(rng.int(1, 20));
    case 12:
      return 'a'.repeat(rng.pick([127, 128, 129, 255, 256, 1_025]));
    case 13:
      return '\u200b\u200d\u2028\u2029';
    case 14:
      return '中'.repeat(rng.int(40, 3_000));
    default:
      return `${rng.pick(['teacher', 'classroom-qh-shangling-g4', 'classroom-qh-baishi-g4-2'])}${rng.pick([' ', '\u0000', '/', '..', 'x', '\t'])}`;
  }
}

/** A hostile string that does not itself look like leaked internals (servers may echo input). */
function hostileString(rng: Rng): string {
  for (;;) {
    const text = rawHostileString(rng);
    if (!leaks(text)) return text;
  }
}

function hostileNumber(rng: Rng): number {
  return rng.pick([2 ** 32 + 5, 2 ** 32, 2 ** 32 - 1, -1, -0, 0, 1, 1.5, 1e308, -1e308, 1e-300, Number.MAX_SAFE_INTEGER + 2, 2 ** 53, 127, 128, 255, 256, 65_535, 65_536, Number.NaN, Number.POSITIVE_INFINITY, rng.int(-1e9, 1e9)]);
}

function hostileKey(rng: Rng): string {
  return rng.chance(0.5) ? rng.pick([...KEYWORDS, 'method', 'data', '', ' ', 'x'.repeat(300), '\u0000', '中文', 'ssrc', 'id']) : hostileString(rng).slice(0, 200);
}

function protoObject(rng: Rng): Obj {
  return JSON.parse(rng.pick(PROTO_JSON)) as Obj;
}

/** Nested arrays or objects (objects sometimes keyed `__proto__` at every level). */
function deep(rng: Rng, depth: number): unknown {
  const style = rng.int(0, 2);
  if (style === 0) return JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
  if (style === 1) return JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
  return JSON.parse(`${'{"__proto__":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

function hostileValue(rng: Rng, level = 0): unknown {
  switch (rng.int(0, 12)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
    case 3:
      return hostileNumber(rng);
    case 4:
    case 5:
      return hostileString(rng);
    case 6:
      return rng.chance(0.5) ? [] : {};
    case 7:
      return level > 2 ? [] : Array.from({ length: rng.int(1, 6) }, () => hostileValue(rng, level + 1));
    case 8: {
      const target: Obj = {};
      if (level <= 2) for (let i = rng.int(1, 5); i > 0; i--) setOwn(target, hostileKey(rng), hostileValue(rng, level + 1));
      return target;
    }
    case 9:
      return protoObject(rng);
    case 10:
      return deep(rng, rng.int(20, 800));
    case 11:
      // Binary: socket.io sends it as an attachment, the server gets a Buffer.
      return new Uint8Array(rng.int(0, 512));
    default:
      return hostileNumber(rng);
  }
}

// ---- media parameters ------------------------------------------------------------

const SSRC_POOL = [1111, 2222, 3333, 4242];

function hostileRtp(rng: Rng, base: Obj): Obj {
  const params = clone(base) as any;
  const mutations = rng.int(1, 3);
  for (let i = 0; i < mutations; i++) {
    const choice = rng.int(0, 25);
    // A mutation may aim at what an earlier one removed (codecs: []): then it is skipped.
    try {
      mutateRtp(rng, params, choice);
    } catch {
      // nothing to mutate
    }
  }
  return params;
}

function mutateRtp(rng: Rng, params: any, choice: number): void {
  {
    switch (choice) {
      case 0:
        params.encodings[0].ssrc = rng.pick([2 ** 32 + 5, -1, null, '1234', 1e308, 1.5, 2 ** 53, -0]);
        break;
      case 1:
        params.encodings[0].rtx = { ssrc: params.encodings[0].ssrc };
        break;
      case 2:
        params.encodings = Array.from({ length: rng.pick([2, 8, 9, 64]) }, () => ({ ssrc: params.encodings[0].ssrc }));
        break;
      case 3:
        params.encodings = [
          { rid: 'r0', ssrc: 5 },
          { rid: 'r0', ssrc: 6 },
          { rid: 'r\u00001', ssrc: 7 },
        ];
        break;
      case 4:
        params.codecs = Array.from({ length: 64 }, (_, n) => ({ ...params.codecs[0], payloadType: 32 + n }));
        break;
      case 5:
        params.codecs[0].mimeType = rng.pick(['video/VP9', 'video/H265', 'audio/PCMU', 'video/../../x', 'application/octet-stream', 'video/', 'audio/opus\u0000', 'VIDEO/vp8', 'video/rtx']);
        break;
      case 6:
        params.codecs[0].payloadType = rng.pick([300, -1, 96.5, 128, null, '96']);
        break;
      case 7:
        params.codecs[0].clockRate = rng.pick([0, 1e9, 2 ** 32, -48_000, 1e308]);
        break;
      case 8:
        params.codecs[0].channels = rng.pick([0, 255, 2 ** 31, -2]);
        break;
      case 9:
        params.codecs[0].parameters = rng.pick([
          JSON.parse('{"__proto__":{"apt":96}}'),
          JSON.parse('{"constructor":{"prototype":{"x":1}}}'),
          { 'x-google-start-bitrate': 1e308 },
          Object.fromEntries(Array.from({ length: 40 }, (_, n) => [`p${n}`, n])),
          { 'profile-level-id': '\u0000' },
          { 'packetization-mode': [1, 2] },
          { ['x'.repeat(100)]: 1 },
          { apt: 200 },
        ]);
        break;
      case 10:
        params.codecs.push({ mimeType: params.codecs[0].mimeType.startsWith('audio') ? 'audio/rtx' : 'video/rtx', payloadType: 97, clockRate: params.codecs[0].clockRate, parameters: { apt: rng.pick([200, 97, -1, 'x']) } });
        break;
      case 11:
        params.codecs[0].rtcpFeedback = rng.pick([Array.from({ length: 40 }, () => ({ type: 'nack' })), [{ type: '\u0000' }], [{ type: 'nack', parameter: 'x'.repeat(100) }], [{}]]);
        break;
      case 12:
        params.headerExtensions = [
          { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 },
          { uri: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id', id: 1 },
        ];
        break;
      case 13:
        params.headerExtensions = [{ uri: rng.pick(['x'.repeat(300), 'urn:with space', '', 'urn:ietf:params:rtp-hdrext:sdes:mid']), id: rng.pick([0, 256, 15, -1, 1.5]) }];
        break;
      case 14:
        params.rtcp = { cname: rng.pick(['\u0000', 'x'.repeat(300), 12, null, 'cname\u0000evil']) };
        break;
      case 15:
        params.encodings[0].maxBitrate = rng.pick([1e308, -1, 0, 2 ** 53]);
        break;
      case 16:
        params.encodings[0].scaleResolutionDownBy = rng.pick([1e-300, 0, -1, 1e308]);
        break;
      case 17:
        params.encodings[0].maxFramerate = rng.pick([-5, 0, 1e308]);
        break;
      case 18:
        params.encodings[0].scalabilityMode = rng.pick(['L9T9', 'x'.repeat(40), 'S3T3\u0000', '']);
        break;
      case 19:
        params.encodings[0].priority = rng.pick(['ultra', 1, null]);
        params.encodings[0].dtx = 'yes';
        break;
      case 20:
        params.mid = rng.pick(['\u0000', 'x'.repeat(100), '0', '1', ' ', '']);
        break;
      case 21:
        params.msid = rng.pick(['x'.repeat(300), 'a\u0000b', '- {uuid}']);
        break;
      case 22:
        params.encodings = rng.pick([[], [{}], undefined, [{ ssrc: 1 }, { ssrc: 1 }]]);
        break;
      case 23:
        params.codecs = rng.pick([[], [{}], null, 'VP8']);
        break;
      case 24:
        setOwn(params, '__proto__', { codecs: [] });
        break;
      default:
        params.codecs[0].mimeType = params.codecs[0].mimeType.startsWith('audio') ? 'video/VP8' : 'audio/opus';
        params.codecs[0].clockRate = params.codecs[0].mimeType === 'audio/opus' ? 48_000 : 90_000;
        break;
    }
  }
}

function fingerprint(rng: Rng, bytes: number): string {
  return Array.from({ length: bytes }, () => rng.int(0, 255).toString(16).padStart(2, '0').toUpperCase()).join(':');
}

function hostileDtls(rng: Rng): unknown {
  const valid = { role: rng.pick(['auto', 'client', 'server']), fingerprints: [{ algorithm: 'sha-256', value: fingerprint(rng, 32) }] };
  switch (rng.int(0, 12)) {
    case 0:
    case 1:
    case 2:
      return valid; // valid-looking: mediasoup gets it (twice on one transport: "already connected")
    case 3:
      return { ...valid, fingerprints: [] };
    case 4:
      return { ...valid, fingerprints: Array.from({ length: 9 }, () => valid.fingerprints[0]) };
    case 5:
      return { ...valid, fingerprints: [{ algorithm: rng.pick(['md5', 'SHA-256', 'sha-1024', '', '__proto__']), value: fingerprint(rng, 32) }] };
    case 6:
      return { ...valid, fingerprints: [{ algorithm: 'sha-256', value: rng.pick(['ZZ:ZZ', fingerprint(rng, 31), fingerprint(rng, 64), `${fingerprint(rng, 31)}:\u0000\u0000`, '']) }] };
    case 7:
      return { ...valid, role: rng.pick(['both', '', 'actpass', null, 1]) };
    case 8:
      return { ...valid, fingerprints: protoObject(rng) };
    case 9:
      return setOwn(clone(valid), '__proto__', { role: 'client' });
    case 10:
      return { fingerprints: [{ algorithm: 'sha-512', value: fingerprint(rng, 64) }], extra: hostileValue(rng) };
    default:
      return hostileValue(rng);
  }
}

function hostileCapabilities(rng: Rng, routerCaps: unknown): unknown {
  const caps = clone((routerCaps ?? { codecs: [], headerExtensions: [] }) as any);
  switch (rng.int(0, 9)) {
    case 0:
      caps.codecs = Array.from({ length: 65 }, () => caps.codecs?.[0] ?? {});
      return caps;
    case 1:
      if (caps.codecs?.[0]) caps.codecs[0].kind = 'data';
      return caps;
    case 2:
      if (caps.codecs?.[0]) caps.codecs[0].preferredPayloadType = 300;
      return caps;
    case 3:
      caps.headerExtensions = [
        { kind: 'video', uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', preferredId: 1 },
        { kind: 'video', uri: 'urn:x', preferredId: 1 },
      ];
      return caps;
    case 4:
      if (caps.codecs?.[0]) caps.codecs[0].parameters = protoObject(rng);
      return caps;
    case 5:
      return protoObject(rng);
    case 6:
      caps.codecs = [{ kind: 'video', mimeType: 'video/VP8', clockRate: 90_000, rtcpFeedback: Array.from({ length: 40 }, () => ({ type: 'nack' })) }];
      return caps;
    case 7:
      return deep(rng, rng.int(10, 500));
    default:
      return hostileValue(rng);
  }
}

// ---- accounting ------------------------------------------------------------------

interface Results {
  /** Hostile messages sent (requests with and without an ack, events, raw frames). */
  sent: number;
  withAck: number;
  noAck: number;
  setupRequests: number;
  answered: Map<string, number>;
  /** Answers that are not `{ ok: true, data }` or `{ ok: false, error: { code, message } }` with a stable code. */
  malformed: Array<{ fuzzer: string; kind: string; ack: string }>;
  unanswered: Array<{ fuzzer: string; kind: string; method: string; why: string }>;
  /** Lost when a socket was dropped on purpose (over-cap frame, protocol garbage). */
  excused: number;
  leaked: Array<{ code: string; message: string; kind: string }>;
  longMessages: Array<{ code: string; length: number; kind: string; start: string }>;
  internal: Array<{ fuzzer: string; kind: string; method: string; message: string }>;
  /** Requests the shared schema rejects but the server answered ok. */
  bypassed: Array<{ fuzzer: string; method: string; data: string }>;
  /** Answers that contradict what the message deserves (e.g. an oversized request not PAYLOAD_TOO_LARGE). */
  wrongCode: Array<{ kind: string; expected: string[]; got: string; detail?: string }>;
  unexpectedDisconnects: Array<{ fuzzer: string; reason: string }>;
  /** Sockets whose transport engine.io closed without a reason the fuzzer knew of (bounded by an assertion). */
  transportDrops: Array<{ fuzzer: string; reason: string }>;
  removals: Array<{ fuzzer: string; reason: string }>;
  reviveFailures: Array<{ fuzzer: string; error: string }>;
  overCap: Array<{ fuzzer: string; bytes: number; dropped: boolean }>;
  garbage: Array<{ fuzzer: string; kind: string; dropped: boolean }>;
  refusals: Map<string, number>;
  connections: { attempts: number; accepted: number; aborted: number };
  badRefusals: Array<{ kind: string; detail: string }>;
  acceptedInvalid: Array<{ kind: string }>;
  namespaceRefusals: string[];
  messages: Map<string, Map<string, number>>;
  byKind: Map<string, number>;
  /** Bugs of this test (a generator that threw): must stay empty. */
  testErrors: string[];
}

const results: Results = {
  sent: 0,
  withAck: 0,
  noAck: 0,
  setupRequests: 0,
  answered: new Map(),
  malformed: [],
  unanswered: [],
  excused: 0,
  leaked: [],
  longMessages: [],
  internal: [],
  bypassed: [],
  wrongCode: [],
  unexpectedDisconnects: [],
  transportDrops: [],
  removals: [],
  reviveFailures: [],
  overCap: [],
  garbage: [],
  refusals: new Map(),
  connections: { attempts: 0, accepted: 0, aborted: 0 },
  badRefusals: [],
  acceptedInvalid: [],
  namespaceRefusals: [],
  messages: new Map(),
  byKind: new Map(),
  testErrors: [],
};

const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

function noteMessage(code: string, message: string): void {
  const perCode = results.messages.get(code) ?? new Map<string, number>();
  results.messages.set(code, perCode);
  const key = message.length > 160 ? `${message.slice(0, 160)}…(${message.length})` : message;
  if (perCode.size < 200 || perCode.has(key)) bump(perCode, key);
}

/** Checks an acknowledgement's shape and content; returns its code ('OK' for success) or null if malformed. */
function judgeAck(ack: unknown, fuzzer: string, kind: string, method: string): string | null {
  const describe = () => {
    try {
      return JSON.stringify(ack)?.slice(0, 300) ?? String(ack);
    } catch {
      return String(ack);
    }
  };
  if (typeof ack !== 'object' || ack === null || Array.isArray(ack)) {
    results.malformed.push({ fuzzer, kind, ack: describe() });
    return null;
  }
  const answer = ack as { ok?: unknown; data?: unknown; error?: unknown };
  const keys = Object.keys(answer).sort().join(',');
  if (answer.ok === true) {
    if (keys !== 'data,ok' || typeof answer.data !== 'object' || answer.data === null) {
      results.malformed.push({ fuzzer, kind, ack: describe() });
      return null;
    }
    return 'OK';
  }
  const error = answer.error as { code?: unknown; message?: unknown; retryAfterSeconds?: unknown } | undefined;
  const errorKeys = typeof error === 'object' && error !== null ? Object.keys(error) : [];
  const shapeOk =
    answer.ok === false &&
    keys === 'error,ok' &&
    typeof error === 'object' &&
    error !== null &&
    typeof error.code === 'string' &&
    STABLE_CODES.has(error.code) &&
    typeof error.message === 'string' &&
    errorKeys.every((key) => ['code', 'message', 'retryAfterSeconds'].includes(key)) &&
    (error.retryAfterSeconds === undefined || (typeof error.retryAfterSeconds === 'number' && Number.isFinite(error.retryAfterSeconds)));
  if (!shapeOk) {
    results.malformed.push({ fuzzer, kind, ack: describe() });
    return null;
  }
  const code = error!.code as string;
  const message = error!.message as string;
  noteMessage(code, message);
  if (leaks(message)) results.leaked.push({ code, message: message.slice(0, 300), kind });
  if (message.length > MAX_MESSAGE_CHARS) results.longMessages.push({ code, length: message.length, kind, start: message.slice(0, 160) });
  if (code === ErrorCode.Internal) results.internal.push({ fuzzer, kind, method, message: message.slice(0, 200) });
  return code;
}

/** Would the shared schema accept this request (after the JSON round trip it takes)? undefined: cannot tell. */
function schemaAccepts(method: unknown, data: unknown): boolean | undefined {
  if (typeof method !== 'string' || !Object.hasOwn(requestSchemas, method)) return false;
  let wire: unknown;
  try {
    wire = data === undefined ? undefined : JSON.parse(JSON.stringify(data));
  } catch {
    return undefined;
  }
  return requestSchemas[method as keyof typeof requestSchemas].safeParse(wire ?? {}).success;
}

const hasBinary = (value: unknown, level = 0): boolean => {
  if (value instanceof Uint8Array) return true;
  if (level > 50 || typeof value !== 'object' || value === null) return false;
  return Object.values(value).some((item) => hasBinary(item, level + 1));
};

const frameBytes = (args: unknown[]): number => Buffer.byteLength(JSON.stringify(args)) + 16;

// ---- fuzzers ---------------------------------------------------------------------

interface Seat {
  name: string;
  lessonId: string;
  body: Record<string, unknown>;
  /** Joins the lesson and creates transports first (some fuzzers never join). */
  joins: boolean;
  transports: Array<'send' | 'recv'>;
}

interface Connection {
  client: TestSocket;
  /** Dropped on purpose (over-cap frame or protocol garbage): lost answers are excused. */
  expectDrop: boolean;
  /** We closed it. */
  closingByUs: boolean;
  /** Raw-frame acknowledgements waiting, rejected when the socket goes. */
  rawPending: Map<number, (error: Error) => void>;
}

interface Send {
  kind: string;
  method: string;
  args: unknown[];
  /** Raw socket.io EVENT packet body (JSON array), sent under a private ack id. */
  raw?: string;
  /** Codes the answer must have (RATE_LIMITED is always acceptable). */
  expect?: string[];
  /** The shared schema's verdict on the request (false: the server must not answer ok). */
  valid?: boolean | undefined;
  /** No ack callback: nothing to wait for. */
  noAck?: boolean;
}

let nextRawAckId = 1_000_000_000;

class Fuzzer {
  readonly seat: Seat;
  readonly rng: Rng;
  readonly server: ServerProcess;
  readonly context: FuzzContext;
  token = '';
  conn: Connection | null = null;
  selfId = '';
  routerCaps: unknown = null;
  needsRevive = false;
  overCapDue = false;
  garbageDue = false;
  dead = false;
  readonly ownTransports = new Map<'send' | 'recv', string>();
  readonly allOwnTransports = new Set<string>();
  readonly ownProducers = new Set<string>();
  readonly ownConsumers = new Set<string>();
  readonly lessonProducers = new Set<string>();
  readonly inflight = new Set<Promise<void>>();

  constructor(seat: Seat, rng: Rng, server: ServerProcess, context: FuzzContext) {
    this.seat = seat;
    this.rng = rng;
    this.server = server;
    this.context = context;
  }

  get isTeacher(): boolean {
    return this.seat.body['role'] === 'teacher';
  }

  /** Connects (and joins, and creates transports, if this seat does); retries while the server says to wait. */
  async open(): Promise<void> {
    if (!this.token) this.token = await this.server.mintToken(this.seat.lessonId, this.seat.body);
    let client: TestSocket | undefined;
    for (let attempt = 0; !client; attempt++) {
      try {
        client = await connect(this.server.url, { token: this.token });
      } catch (refusal) {
        const body = refusal as { code?: string; retryAfterSeconds?: number; message?: string };
        if (attempt < 8 && (body.code === ErrorCode.RateLimited || body.code === 'LIMIT_EXCEEDED')) {
          await sleep(Math.min(3_000, (body.retryAfterSeconds ?? 0.5) * 1000));
          continue;
        }
        throw new Error(`${this.seat.name}: connection refused: ${JSON.stringify(body)}`);
      }
    }
    const conn: Connection = { client, expectDrop: false, closingByUs: false, rawPending: new Map() };
    this.conn = conn;
    this.needsRevive = false;
    this.ownTransports.clear();
    this.allOwnTransports.clear();
    this.ownProducers.clear();
    this.ownConsumers.clear();
    client.socket.on('notification', (notification: { method: string; data: any }) => {
      if (notification.method === 'producerAdded') this.lessonProducers.add(notification.data.producerId);
      if (notification.method === 'producerRemoved') this.lessonProducers.delete(notification.data.producerId);
      if (notification.method === 'removed') results.removals.push({ fuzzer: this.seat.name, reason: String(notification.data?.reason) });
    });
    client.socket.on('disconnect', (reason: string) => {
      for (const reject of conn.rawPending.values()) reject(new Error('socket has been disconnected'));
      conn.rawPending.clear();
      if (!conn.expectDrop && !conn.closingByUs && reason === 'transport close') {
        // The transport itself went away (engine.io closed it: a frame it refused, or a missed heartbeat on a
        // loaded machine). Only that socket is affected; such drops are counted, bounded and listed below.
        conn.expectDrop = true;
        results.transportDrops.push({ fuzzer: this.seat.name, reason });
      } else if (!conn.expectDrop && !conn.closingByUs) results.unexpectedDisconnects.push({ fuzzer: this.seat.name, reason });
      if (this.conn === conn) this.needsRevive = true;
    });
    if (!this.seat.joins) return;
    const setup = async (method: string, data: unknown) => {
      results.setupRequests++;
      const ack = (await client.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('request', { method, data })) as any;
      if (!ack?.ok) throw new Error(`${this.seat.name}: ${method} failed: ${JSON.stringify(ack)}`);
      return ack.data;
    };
    this.routerCaps = (await setup('getRouterRtpCapabilities', {})).rtpCapabilities;
    const joined = await setup('join', { rtpCapabilities: this.routerCaps });
    this.selfId = joined.self.participantId;
    this.context.participants.add(this.selfId);
    for (const producer of joined.producers) this.lessonProducers.add(producer.producerId);
    for (const direction of this.seat.transports) {
      const transport = await setup('createTransport', { direction });
      this.ownTransports.set(direction, transport.id);
      this.allOwnTransports.add(transport.id);
    }
  }

  /** A fresh connection after a drop, a leave or a removal. */
  async revive(): Promise<void> {
    const old = this.conn;
    // Answers still due on the old connection are waited for (each is bounded by the ack timeout).
    if (old?.client.socket.connected) await this.drain();
    if (old) {
      old.closingByUs = true;
      old.client.close();
    }
    try {
      await this.open();
    } catch (error) {
      results.reviveFailures.push({ fuzzer: this.seat.name, error: String(error instanceof Error ? error.message : error).slice(0, 300) });
      this.dead = true;
    }
  }

  async run(context: FuzzContext): Promise<void> {
    while (!context.done() && !this.dead) {
      if (this.needsRevive || !this.conn?.client.socket.connected) await this.revive();
      if (this.dead) break;
      if (this.overCapDue) {
        this.overCapDue = false;
        await this.sendOverCap();
        continue;
      }
      if (this.garbageDue) {
        this.garbageDue = false;
        await this.sendGarbage();
        continue;
      }
      const burst = this.rng.int(8, 30);
      const pending: Array<Promise<void>> = [];
      for (let i = 0; i < burst && this.conn?.client.socket.connected; i++) {
        try {
          pending.push(this.fire(this.generate()));
        } catch (error) {
          results.testErrors.push(`${this.seat.name}: ${error instanceof Error ? error.stack : String(error)}`.slice(0, 1_000));
        }
      }
      // Bursts overlap: an unanswered request must not hold the others back.
      await within(Promise.allSettled(pending), 1_500);
      await sleep(this.rng.int(40, 160));
    }
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  close(): void {
    if (!this.conn) return;
    this.conn.closingByUs = true;
    this.conn.client.close();
  }

  /** Sends one message and records what came back. */
  fire(send: Send): Promise<void> {
    const conn = this.conn;
    if (!conn || !conn.client.socket.connected) return Promise.resolve();
    results.sent++;
    bump(results.byKind, send.kind);
    const socket = conn.client.socket;
    if (send.noAck) {
      results.noAck++;
      if (send.raw !== undefined) writeRaw(socket, send.raw);
      else socket.emit(...(send.args as [string, ...unknown[]]));
      return Promise.resolve();
    }
    results.withAck++;
    const timed = socket.timeout(ACK_TIMEOUT_MS) as unknown as { emitWithAck(...args: unknown[]): Promise<unknown> };
    const answer = send.raw !== undefined ? rawEmitWithAck(conn, send.raw) : timed.emitWithAck(...send.args);
    const done = answer.then(
      (ack) => this.record(send, ack),
      (error: Error) => {
        if (conn.expectDrop && /disconnected/.test(error.message)) results.excused++;
        else results.unanswered.push({ fuzzer: this.seat.name, kind: send.kind, method: send.method, why: error.message });
      },
    );
    const tracked = done.finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
    return tracked;
  }

  record(send: Send, ack: unknown): void {
    const code = judgeAck(ack, this.seat.name, send.kind, send.method);
    if (code === null) return;
    bump(results.answered, code);
    if (code === 'OK' && send.valid === false) {
      let data = '';
      try {
        data = JSON.stringify(send.args[1]).slice(0, 300);
      } catch {
        data = '(unserializable)';
      }
      results.bypassed.push({ fuzzer: this.seat.name, method: send.method, data });
    }
    if (send.expect && code !== ErrorCode.RateLimited && !send.expect.includes(code)) {
      const message = (ack as { error?: { message?: string } }).error?.message ?? '';
      results.wrongCode.push({ kind: send.kind, expected: send.expect, got: code, detail: `${message.slice(0, 160)}${send.raw === undefined ? ` (request of ${frameBytes(send.args) - 16} bytes)` : ''}` });
    }
    if (code !== 'OK') return;
    // Learn what the request created, so later messages can aim at real ids.
    const data = (ack as { data: any }).data;
    const request = send.args[1] as { method?: string; data?: any } | undefined;
    switch (send.method) {
      case 'createTransport':
        if (typeof data.id === 'string') this.allOwnTransports.add(data.id);
        break;
      case 'produce':
        if (typeof data.producerId === 'string') this.ownProducers.add(data.producerId);
        break;
      case 'closeProducer':
        this.ownProducers.delete(request?.data?.producerId);
        break;
      case 'consume':
        if (typeof data.consumerId === 'string') this.ownConsumers.add(data.consumerId);
        break;
      case 'leave':
        // The session is over; carry on with a fresh connection after this burst.
        this.needsRevive = true;
        break;
      default:
        break;
    }
  }

  /** A frame above engine.io's cap: the server drops the socket by design; then reconnect. */
  async sendOverCap(): Promise<void> {
    const conn = this.conn;
    if (!conn) return;
    await within(this.drain(), 6_000);
    conn.expectDrop = true;
    const pad = 'x'.repeat(this.rng.int(FRAME_CAP_BYTES + 2_000, 4 * FRAME_CAP_BYTES));
    const args = ['request', { method: this.rng.pick(METHODS), data: { pad } }];
    const dropped = disconnectedWithin(conn.client.socket, 5_000);
    const answered = this.fire({ kind: 'over-frame-cap', method: 'over-cap', args });
    results.overCap.push({ fuzzer: this.seat.name, bytes: frameBytes(args), dropped: await dropped });
    await answered;
    await this.revive();
  }

  /** Frames that are not socket.io packets at all: the server may drop the socket; then reconnect. */
  async sendGarbage(): Promise<void> {
    const conn = this.conn;
    if (!conn) return;
    await within(this.drain(), 6_000);
    conn.expectDrop = true;
    const kind = this.rng.pick(['unterminated-json', 'unknown-packet-type', 'binary-never-sent', 'other-namespace-event', 'ack-for-nothing', 'bad-ack-id']);
    const engine = conn.client.socket.io.engine as unknown as { write(message: string): void };
    const frame = {
      'unterminated-json': '2["request",{"method":"sync","data":{',
      'unknown-packet-type': '9["request"]',
      'binary-never-sent': '51-["request",{"_placeholder":true,"num":0}]',
      'other-namespace-event': '2/admin,["request",{"method":"sync"}]',
      'ack-for-nothing': '3424242[{"ok":true,"data":{}}]',
      'bad-ack-id': '2-1["request",{"method":"sync"}]',
    }[kind]!;
    const dropped = disconnectedWithin(conn.client.socket, 2_000);
    engine.write(frame);
    if (kind === 'binary-never-sent') engine.write('2["request",{"method":"sync"}]');
    results.sent++;
    bump(results.byKind, `garbage:${kind}`);
    results.garbage.push({ fuzzer: this.seat.name, kind, dropped: await dropped });
    await this.revive();
  }

  // ---- message generation ----

  generate(): Send {
    const rng = this.rng;
    const canSend = this.ownTransports.has('send');
    const kind = rng.weighted<string>([
      [58, 'request'],
      [canSend ? 8 : 0, 'produce-own-transport'],
      [4, 'connect-own-transport'],
      [7, 'envelope'],
      [4, 'arguments'],
      [5, 'event'],
      [6, 'huge'],
      [3, 'deep'],
      [4, 'raw'],
      [2, 'binary'],
      [3, 'no-ack'],
    ]);
    switch (kind) {
      case 'request':
        return this.request(rng.chance(0.9) ? rng.pick(METHODS) : this.unknownMethod());
      case 'produce-own-transport':
        return this.envelopeSend('produce-own-transport', 'produce', this.producePayload(true));
      case 'connect-own-transport':
        return this.envelopeSend('connect-own-transport', 'connectTransport', { transportId: this.transportId(), dtlsParameters: hostileDtls(rng) });
      case 'envelope':
        return this.hostileEnvelope();
      case 'arguments':
        return this.hostileArguments();
      case 'event':
        return this.hostileEvent();
      case 'huge':
        return this.huge();
      case 'deep': {
        const depth = rng.int(300, 1_500);
        const method = rng.pick(METHODS);
        const data = rng.chance(0.5) ? deep(rng, depth) : setOwn(this.template(method), rng.pick(['rtpCapabilities', 'transportId', 'data', 'x']), deep(rng, depth));
        return this.envelopeSend('deep', method, data);
      }
      case 'raw':
        return this.raw();
      case 'binary': {
        // Not endLesson or join: an empty Buffer would pass as valid `{}` data.
        const method = rng.pick(METHODS.filter((m) => m !== 'endLesson' && m !== 'join'));
        const data = rng.chance(0.5) ? { ...this.template(method), blob: new Uint8Array(rng.int(1, 4_000)) } : new Uint8Array(rng.int(1, 256));
        return { kind: 'binary', method, args: ['request', { method, data }], expect: [ErrorCode.BadRequest, ErrorCode.NotJoined, ErrorCode.Forbidden] };
      }
      default: {
        const send = this.request(rng.pick(METHODS));
        return { ...send, kind: 'no-ack', noAck: true };
      }
    }
  }

  unknownMethod(): string {
    const rng = this.rng;
    return rng.chance(0.5)
      ? rng.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'JOIN', ' join', 'join ', 'join\u0000', 'produce\n', 'handle', '#join', 'closeAll', 'admin', 'notification', 'request'])
      : hostileString(rng).slice(0, 300);
  }

  /** A request for `method` with data built from a near-valid template and then damaged (or not). */
  request(method: string): Send {
    const rng = this.rng;
    if (!Object.hasOwn(requestSchemas, method)) {
      const data = rng.chance(0.5) ? {} : hostileValue(rng);
      return this.envelopeSend('unknown-method', method, data, [ErrorCode.UnknownMethod]);
    }
    const data = this.mutate(this.template(method));
    return this.envelopeSend(`request:${method}`, method, data);
  }

  /** Wraps data into `{ method, data }`, keeping fuzzers from legitimately ending their lesson or joining when they must not. */
  envelopeSend(kind: string, method: string, data: unknown, expect?: string[]): Send {
    let payload = data;
    // The server reads absent (undefined or null) data as {}: judge the payload the way it will.
    // A teacher fuzzer never sends endLesson with data that might decode to {} on the server (a teacher may end
    // its lesson; that is not an attack). Other roles send it with anything.
    if (method === 'endLesson' && this.isTeacher) payload = { fuzz: true };
    if (method === 'join' && !this.seat.joins && schemaAccepts(method, payload ?? {}) !== false) payload = { rtpCapabilities: {}, fuzz: true };
    const envelope = { method, data: payload };
    const args = ['request', envelope];
    if (frameBytes(args) > FRAME_CAP_BYTES - FRAME_MARGIN_BYTES) return this.envelopeSend(kind, method, { shrunk: true }, expect);
    const valid = hasBinary(payload) ? undefined : schemaAccepts(method, payload);
    return { kind, method, args, valid, ...(expect ? { expect } : {}) };
  }

  template(method: string): Obj {
    const rng = this.rng;
    switch (method) {
      case 'join':
        return { rtpCapabilities: rng.chance(0.4) && this.routerCaps ? clone(this.routerCaps) : hostileCapabilities(rng, this.routerCaps ?? this.context.routerCaps) };
      case 'createTransport':
        return { direction: rng.pick(['send', 'recv']) };
      case 'connectTransport':
        return { transportId: this.transportId(), dtlsParameters: hostileDtls(rng) };
      case 'restartIce':
        return { transportId: this.transportId() };
      case 'produce':
        return this.producePayload(false);
      case 'pauseProducer':
      case 'resumeProducer':
      case 'closeProducer':
      case 'consume':
        return { producerId: this.producerId() };
      case 'resumeConsumer':
      case 'pauseConsumer':
        return { consumerId: this.consumerId() };
      case 'setConsumerPreferredLayers':
        return {
          consumerId: this.consumerId(),
          spatialLayer: rng.chance(0.6) ? rng.int(0, 2) : hostileNumber(rng),
          ...(rng.chance(0.5) ? { temporalLayer: rng.chance(0.6) ? rng.int(0, 2) : hostileNumber(rng) } : {}),
        };
      case 'grantFloor':
      case 'revokeFloor':
      case 'muteParticipant':
      case 'removeParticipant':
        return { participantId: this.participantId() };
      case 'spotlight':
        return { participantId: rng.chance(0.3) ? null : this.participantId() };
      default:
        return {};
    }
  }

  mutate(template: Obj): unknown {
    const rng = this.rng;
    const op = rng.weighted<string>([
      [25, 'keep'],
      [25, 'wrong-type'],
      [12, 'drop'],
      [12, 'extra'],
      [10, 'replace'],
      [6, 'proto-wrap'],
      [5, 'null'],
      [5, 'deep-field'],
    ]);
    const data = template;
    const paths = leafPaths(data);
    switch (op) {
      case 'keep':
        return data;
      case 'wrong-type':
        if (paths.length === 0) return hostileValue(rng);
        setPath(data, rng.pick(paths), hostileValue(rng));
        return data;
      case 'drop':
        if (paths.length === 0) return data;
        dropPath(data, rng.pick(paths));
        return data;
      case 'extra':
        return setOwn(data, hostileKey(rng), hostileValue(rng));
      case 'replace':
        return hostileValue(rng);
      case 'proto-wrap':
        // The fields hidden behind an own __proto__ key: a server reading data.x through the prototype would see them.
        return setOwn({}, '__proto__', data);
      case 'null':
        return rng.pick([null, undefined, [], '', 0, false]);
      default:
        if (paths.length === 0) return deep(rng, rng.int(50, 600));
        setPath(data, rng.pick(paths), deep(rng, rng.int(50, 600)));
        return data;
    }
  }

  producePayload(ownTransport: boolean): Obj {
    const rng = this.rng;
    const source = rng.pick(['camera', 'microphone', 'screen'] as const);
    const kind = source === 'microphone' ? 'audio' : 'video';
    const ssrc = rng.chance(0.7) ? rng.pick(SSRC_POOL) : rng.int(1, 2 ** 32 - 1);
    const base = (kind === 'audio' ? opusRtpParameters(ssrc) : vp8RtpParameters(ssrc)) as Obj;
    if (rng.chance(0.5)) base['mid'] = rng.pick(['0', '1', '2']);
    const sendTransport = this.ownTransports.get('send');
    return {
      transportId: ownTransport && sendTransport && rng.chance(0.9) ? sendTransport : this.transportId(),
      kind: rng.chance(0.9) ? kind : rng.pick(['audio', 'video', 'data', '']),
      source,
      rtpParameters: rng.chance(0.35) ? base : hostileRtp(rng, base),
      ...(rng.chance(0.2) ? { paused: rng.chance(0.5) } : {}),
    };
  }

  /** Own ids most often, then ids of others, then garbage. */
  aim(own: Iterable<string>, others: Iterable<string>): unknown {
    const rng = this.rng;
    const mine = [...own];
    const theirs = [...others];
    const roll = rng.float();
    if (roll < 0.35 && mine.length > 0) return rng.pick(mine);
    if (roll < 0.55 && theirs.length > 0) return rng.pick(theirs);
    if (roll < 0.9) return hostileString(rng);
    return hostileValue(rng);
  }

  transportId(): unknown {
    return this.aim(this.allOwnTransports, this.context.otherTransports(this));
  }

  producerId(): unknown {
    return this.aim(this.ownProducers, this.lessonProducers);
  }

  consumerId(): unknown {
    return this.aim(this.ownConsumers, []);
  }

  participantId(): unknown {
    // A teacher fuzzer must not remove the other teacher fuzzer of its lesson: that is moderation, not an attack.
    const others = [...this.context.participants].filter((id) => !(this.isTeacher && id.startsWith('fz-teacher') && id !== this.selfId));
    return this.aim(this.selfId ? [this.selfId] : [], others);
  }

  hostileEnvelope(): Send {
    const rng = this.rng;
    const variants: Array<[unknown, string[]]> = [
      [hostileString(rng), [ErrorCode.BadRequest]],
      [rng.pick([0, -1, 1e308, true, false]), [ErrorCode.BadRequest]],
      [null, [ErrorCode.BadRequest]],
      [[{ method: 'sync', data: {} }], [ErrorCode.BadRequest]],
      [{}, [ErrorCode.UnknownMethod, ErrorCode.BadRequest]],
      [{ data: {} }, [ErrorCode.UnknownMethod, ErrorCode.BadRequest]],
      [{ method: rng.pick([42, null, true, ['sync'], { name: 'sync' }]) }, [ErrorCode.UnknownMethod, ErrorCode.BadRequest]],
      [{ method: 'sync', data: {}, extra: hostileValue(rng) }, []],
      [JSON.parse('{"__proto__":{"method":"sync","data":{}}}'), [ErrorCode.UnknownMethod, ErrorCode.BadRequest]],
      [JSON.parse('{"method":"__proto__","data":{}}'), [ErrorCode.UnknownMethod]],
      [JSON.parse('{"method":"constructor"}'), [ErrorCode.UnknownMethod]],
      [JSON.parse('{"method":"hasOwnProperty","data":{}}'), [ErrorCode.UnknownMethod]],
      [{ method: 'sync', data: null }, []],
      [{ method: rng.pick(['grantFloor', 'produce', 'consume', 'connectTransport']) }, [ErrorCode.BadRequest, ErrorCode.NotJoined, ErrorCode.Forbidden]],
      [{ method: rng.pick(METHODS), data: hostileValue(rng) }, []],
    ];
    const [envelope, expect] = rng.pick(variants);
    // An unchecked envelope must not end a teacher fuzzer's lesson either.
    const method = typeof envelope === 'object' && envelope !== null ? (envelope as { method?: unknown }).method : undefined;
    if (method === 'endLesson' || method === 'leave' || method === 'join') return this.hostileEnvelope();
    return { kind: 'envelope', method: 'envelope', args: ['request', envelope], ...(expect.length ? { expect } : {}) };
  }

  hostileArguments(): Send {
    const rng = this.rng;
    const envelope = { method: 'sync', data: {} };
    const variants: unknown[][] = [
      ['request'],
      ['request', hostileValue(rng), envelope],
      ['request', envelope, envelope],
      ['request', envelope, hostileValue(rng)],
      ['request', 1, 2, 3, envelope],
      ['request', undefined],
    ];
    return { kind: 'arguments', method: 'arguments', args: rng.pick(variants), expect: [ErrorCode.BadRequest] };
  }

  hostileEvent(): Send {
    const rng = this.rng;
    const name = rng.pick<unknown>(['spam', 'join', 'Request', 'request ', 'REQUEST', 'notification', 'error', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', 'x'.repeat(500), '\u0000', 'message', 'ping', 'connection', 42]);
    const args = Array.from({ length: rng.int(0, 3) }, () => hostileValue(rng));
    return { kind: 'event', method: `event:${String(name).slice(0, 20)}`, args: [name, ...args], expect: [ErrorCode.UnknownMethod] };
  }

  /** Big requests: near the 32 KiB request limit, just above it, and well above it but under the frame cap. */
  huge(): Send {
    const rng = this.rng;
    const band = rng.pick(['under-limit', 'just-over-limit', 'far-over-limit'] as const);
    const method = rng.pick(METHODS.filter((m) => m !== 'endLesson' && m !== 'leave' && m !== 'join'));
    const wide = rng.chance(0.3); // three bytes per character
    const targetBytes =
      band === 'under-limit' ? rng.int(MAX_REQUEST_BYTES - 2_000, MAX_REQUEST_BYTES - 200) : band === 'just-over-limit' ? rng.int(MAX_REQUEST_BYTES + 10, MAX_REQUEST_BYTES + 2_000) : rng.int(40_000, FRAME_CAP_BYTES - 4 * FRAME_MARGIN_BYTES);
    const field = rng.pick(['pad', 'transportId', 'producerId', 'participantId', 'direction']);
    const filler = wide ? '中'.repeat(Math.floor((targetBytes - 120) / 3)) : 'x'.repeat(targetBytes - 120);
    const data = setOwn(this.template(method), field, filler);
    const send = this.envelopeSend(`huge:${band}`, method, data);
    // A string of over 128 characters is valid in no field, so below the size limit the answer is BAD_REQUEST.
    // (Binary parts reach the server as Buffers, whose JSON size differs: no expectation then.)
    if (hasBinary(send.args[1])) return send;
    const requestBytes = Buffer.byteLength(JSON.stringify(send.args[1]));
    return { ...send, expect: requestBytes > MAX_REQUEST_BYTES ? [ErrorCode.PayloadTooLarge] : [ErrorCode.BadRequest] };
  }

  /** Hand-written socket.io packets: what the client library would never produce. */
  raw(): Send {
    const rng = this.rng;
    const variants: Array<[string, string, string[]]> = [
      // Nesting deeper than the client library can encode, still under the frame cap.
      ['deep-arrays', `["request",{"method":"join","data":{"rtpCapabilities":${'['.repeat(20_000)}${']'.repeat(20_000)}}}]`, [ErrorCode.BadRequest, ErrorCode.AlreadyJoined, ErrorCode.NotJoined]],
      ['deep-objects', `["request",{"method":"sync","data":${'{"a":'.repeat(6_000)}1${'}'.repeat(6_000)}}]`, [ErrorCode.BadRequest]],
      ['deep-envelope', `["request",${'['.repeat(25_000)}${']'.repeat(25_000)}]`, [ErrorCode.BadRequest]],
      ['duplicate-keys', '["request",{"method":"sync","method":"grantFloor","data":{},"data":{"participantId":"teacher"}}]', [ErrorCode.Forbidden, ErrorCode.NotJoined, ErrorCode.NotFound]],
      ['infinity', '["request",{"method":"setConsumerPreferredLayers","data":{"consumerId":"c","spatialLayer":1e999}}]', [ErrorCode.BadRequest]],
      ['big-integer', '["request",{"method":"setConsumerPreferredLayers","data":{"consumerId":"c","spatialLayer":123456789012345678901234567890}}]', [ErrorCode.BadRequest]],
      ['negative-zero', '["request",{"method":"setConsumerPreferredLayers","data":{"consumerId":"c","spatialLayer":-0}}]', [ErrorCode.NotJoined, ErrorCode.NotFound, ErrorCode.InvalidState, ErrorCode.BadRequest]],
      ['lone-surrogates', '["request",{"method":"consume","data":{"producerId":"\\ud800\\udc00\\udfff"}}]', [ErrorCode.NotJoined, ErrorCode.NotFound, ErrorCode.InvalidState, ErrorCode.BadRequest]],
      ['nul-method', '["request",{"method":"sync\\u0000","data":{}}]', [ErrorCode.UnknownMethod]],
      ['no-arguments', '["request"]', [ErrorCode.BadRequest]],
      ['many-arguments', '["request",1,2,3,4,5,6,7,8,9]', [ErrorCode.BadRequest]],
      ['null-envelope', '["request",null]', [ErrorCode.BadRequest]],
      ['numeric-event', '[42,{"method":"sync"}]', [ErrorCode.UnknownMethod]],
      ['proto-event', '["__proto__",{"method":"sync"}]', [ErrorCode.UnknownMethod]],
      ['error-event', '["error",{"message":"boom"}]', [ErrorCode.UnknownMethod]],
      ['proto-data', '["request",{"method":"createTransport","data":{"__proto__":{"direction":"send"}}}]', [ErrorCode.BadRequest]],
      ['proto-envelope', '["request",{"__proto__":{"method":"sync","data":{}}}]', [ErrorCode.UnknownMethod, ErrorCode.BadRequest]],
    ];
    const [name, body, expect] = rng.pick(variants);
    return { kind: `raw:${name}`, method: name, args: [], raw: body, expect };
  }
}

/** Whether the socket disconnects within `ms` (the timer does not outlive the answer). */
function disconnectedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onDisconnect = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      socket.off('disconnect', onDisconnect);
      resolve(false);
    }, ms);
    socket.once('disconnect', onDisconnect);
  });
}

/** Writes a socket.io EVENT packet as is (no ack). */
function writeRaw(socket: Socket, body: string): void {
  (socket.io.engine as unknown as { write(message: string): void }).write(`2${body}`);
}

/** Writes a socket.io EVENT packet under a private ack id and waits for that ack. */
function rawEmitWithAck(conn: Connection, body: string): Promise<unknown> {
  const id = nextRawAckId++;
  const socket = conn.client.socket as unknown as { acks: Record<number, (...args: unknown[]) => void>; io: Socket['io'] };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      delete socket.acks[id];
      conn.rawPending.delete(id);
      reject(new Error('operation has timed out'));
    }, ACK_TIMEOUT_MS);
    socket.acks[id] = (...args: unknown[]) => {
      clearTimeout(timer);
      conn.rawPending.delete(id);
      resolve(args[0]);
    };
    conn.rawPending.set(id, (error) => {
      clearTimeout(timer);
      delete socket.acks[id];
      reject(error);
    });
    (socket.io.engine as unknown as { write(message: string): void }).write(`2${id}${body}`);
  });
}

function leafPaths(value: unknown, prefix: string[] = [], out: string[][] = [], level = 0): string[][] {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array || level > 4) {
    if (prefix.length > 0) out.push(prefix);
    return out;
  }
  const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
  if (entries.length === 0 && prefix.length > 0) out.push(prefix);
  for (const [key, item] of entries.slice(0, 40)) {
    out.push([...prefix, key]);
    leafPaths(item, [...prefix, key], out, level + 1);
  }
  return out;
}

function parentOf(root: unknown, path: string[]): Obj | null {
  let node = root as Obj;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) return null;
    node = next as Obj;
  }
  return node;
}

function setPath(root: unknown, path: string[], value: unknown): void {
  const parent = parentOf(root, path);
  if (parent) setOwn(parent, path[path.length - 1]!, value);
}

function dropPath(root: unknown, path: string[]): void {
  const parent = parentOf(root, path);
  if (parent) delete parent[path[path.length - 1]!];
}

// ---- connection storms -----------------------------------------------------------

interface StormTokens {
  fresh: string[];
  shared: string;
  secret: string;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A correctly signed HS256 token around a payload given as raw JSON text (jsonwebtoken refuses own __proto__ keys). */
function hs256(payloadJson: string, secret: string): string {
  const unsigned = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${Buffer.from(payloadJson).toString('base64url')}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** Tokens that must never be accepted, with the codes they deserve (besides RATE_LIMITED). */
function invalidAuth(rng: Rng, tokens: StormTokens): { kind: string; auth: Record<string, unknown>; expect: string[] } {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: `storm-${rng.int(0, 1e6)}`, lessonId: LESSON, role: 'observer', name: 'Storm' };
  const sign = (payload: Record<string, unknown>, secret = tokens.secret, options: jwt.SignOptions = {}) =>
    jwt.sign(payload, secret, { algorithm: 'HS256', issuer: 'classbridge', audience: 'classbridge-lesson', ...options });
  const variants = [
    () => ({ kind: 'no-token', auth: {}, expect: [ErrorCode.Unauthorized] }),
    () => ({ kind: 'garbage-token', auth: { token: hostileString(rng) || 'x' }, expect: [ErrorCode.Unauthorized] }),
    () => ({ kind: 'token-not-a-string', auth: { token: rng.pick<unknown>([42, { a: 1 }, ['x'], true, null]) }, expect: [ErrorCode.Unauthorized] }),
    () => ({ kind: 'huge-token', auth: { token: 'x'.repeat(rng.int(5_000, 40_000)) }, expect: [ErrorCode.Unauthorized] }),
    () => ({ kind: 'forged', auth: { token: sign({ ...claims, role: 'teacher', sub: 'teacher' }, 'guessed-secret-guessed-secret-guessed', { expiresIn: 600 }) }, expect: [ErrorCode.Unauthorized] }),
    () => ({ kind: 'expired', auth: { token: sign({ ...claims, iat: now - 7_200, exp: now - 3_600 }) }, expect: [ErrorCode.TokenExpired] }),
    () => ({ kind: 'alg-none', auth: { token: `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims, role: 'teacher', iat: now, exp: now + 600, iss: 'classbridge', aud: 'classbridge-lesson' })}.` }, expect: [ErrorCode.Unauthorized] }),
    () => ({ kind: 'bad-claims', auth: { token: sign({ ...claims, role: 'admin' }, tokens.secret, { expiresIn: 600 }) }, expect: [ErrorCode.Unauthorized] }),
    () => ({ kind: 'proto-claims', auth: { token: hs256(`{"__proto__":{"role":"teacher"},"sub":"x","lessonId":"${LESSON}","name":"x","iat":${now},"exp":${now + 600},"iss":"classbridge","aud":"classbridge-lesson"}`, tokens.secret) }, expect: [ErrorCode.Unauthorized] }),
    () => ({ kind: 'unknown-lesson', auth: { token: sign({ ...claims, lessonId: 'no-such-lesson' }, tokens.secret, { expiresIn: 600 }) }, expect: [ErrorCode.NotFound] }),
    () => ({ kind: 'wrong-lesson', auth: { token: tokens.shared, lessonId: OTHER_LESSON }, expect: [ErrorCode.WrongLesson] }),
    () => ({ kind: 'too-long-lived', auth: { token: sign({ ...claims, iat: now, exp: now + 400 * 24 * 3600 }) }, expect: [ErrorCode.Unauthorized] }),
    () => ({ kind: 'wrong-audience', auth: { token: sign(claims, tokens.secret, { expiresIn: 600, audience: 'something-else' }) }, expect: [ErrorCode.Unauthorized] }),
  ];
  return rng.pick(variants)();
}

/** One connection attempt; resolves with its outcome. `abortAfterMs` closes it mid-handshake. */
function attempt(url: string, auth: Record<string, unknown>, options: { abortAfterMs?: number; join?: boolean; path?: string } = {}): Promise<{ outcome: 'accepted' | 'refused' | 'aborted'; code?: string; message?: string }> {
  results.connections.attempts++;
  return new Promise((resolve) => {
    const socket = io(`${url}${options.path ?? ''}`, { auth, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 10_000 });
    let settled = false;
    const finish = (value: { outcome: 'accepted' | 'refused' | 'aborted'; code?: string; message?: string }) => {
      if (settled) return;
      settled = true;
      socket.disconnect();
      resolve(value);
    };
    socket.once('connect', () => {
      if (options.join) {
        // Join and vanish before the answers arrive.
        socket.emit('request', { method: 'getRouterRtpCapabilities', data: {} }, () => undefined);
        socket.emit('request', { method: 'join', data: { rtpCapabilities: {} } }, () => undefined);
        setTimeout(() => finish({ outcome: 'accepted' }), 5);
        return;
      }
      finish({ outcome: 'accepted' });
    });
    socket.once('connect_error', (error: Error & { data?: { code?: unknown; message?: unknown } }) =>
      finish({ outcome: 'refused', code: typeof error.data?.code === 'string' ? error.data.code : 'NO_CODE', message: String(error.data?.message ?? error.message) }),
    );
    if (options.abortAfterMs !== undefined) setTimeout(() => finish({ outcome: 'aborted' }), options.abortAfterMs);
  });
}

async function storm(url: string, rng: Rng, tokens: StormTokens): Promise<void> {
  const jobs: Array<Promise<void>> = [];
  const judgeRefusal = (kind: string, result: { outcome: string; code?: string; message?: string }) => {
    if (result.outcome === 'accepted') results.connections.accepted++;
    if (result.outcome === 'aborted') results.connections.aborted++;
    if (result.outcome !== 'refused') return;
    bump(results.refusals, result.code ?? 'NO_CODE');
    if (!result.code || !STABLE_CODES.has(result.code)) results.badRefusals.push({ kind, detail: `${result.code}: ${result.message}` });
    else if (leaks(result.message ?? '')) results.leaked.push({ code: result.code, message: String(result.message).slice(0, 300), kind: `refusal:${kind}` });
  };
  for (let i = 0; i < 25; i++) {
    const token = tokens.fresh.pop();
    if (token) jobs.push(attempt(url, { token }).then((result) => judgeRefusal('valid', result)));
  }
  for (let i = 0; i < 5; i++) {
    const token = tokens.fresh.pop();
    if (token) jobs.push(attempt(url, { token }, { join: true }).then((result) => judgeRefusal('valid-join-and-vanish', result)));
  }
  for (let i = 0; i < 8; i++) jobs.push(attempt(url, { token: tokens.shared }, { abortAfterMs: rng.int(0, 15) }).then((result) => judgeRefusal('valid-aborted', result)));
  // One participant, many sockets at once: the per-participant cap answers LIMIT_EXCEEDED.
  for (let i = 0; i < 8; i++) jobs.push(attempt(url, { token: tokens.shared }).then((result) => judgeRefusal('same-participant', result)));
  for (let i = 0; i < 30; i++) {
    const { kind, auth, expect } = invalidAuth(rng, tokens);
    jobs.push(
      attempt(url, auth).then((result) => {
        judgeRefusal(kind, result);
        if (result.outcome === 'accepted') results.acceptedInvalid.push({ kind });
        else if (result.outcome === 'refused' && result.code !== ErrorCode.RateLimited && !expect.includes(result.code ?? '')) results.wrongCode.push({ kind: `refusal:${kind}`, expected: expect, got: result.code ?? 'NO_CODE' });
      }),
    );
  }
  // A namespace nobody serves (socket.io's own refusal, recorded but not judged).
  jobs.push(attempt(url, { token: tokens.shared }, { path: '/admin' }).then((result) => void results.namespaceRefusals.push(`${result.outcome}:${result.code}:${result.message}`)));
  await Promise.all(jobs);
}

// ---- the run ---------------------------------------------------------------------

interface FuzzContext {
  participants: Set<string>;
  routerCaps: unknown;
  done(): boolean;
  otherTransports(self: Fuzzer): string[];
}

interface MediaSample {
  atMs: number;
  frames: number;
  packets: number;
}

const teacherVideo = { participantId: 'teacher', kind: 'video' as const };
const teacherAudio = { participantId: 'teacher', kind: 'audio' as const };
const classroomVideo = { participantId: 'classroom-qh-shangling-g4', kind: 'video' as const };

describe('protocol fuzz against the server process', () => {
  let server: ServerProcess;
  let browser: Browser | undefined;
  let teacherPage: Page;
  let classroomPage: Page;
  const media: MediaSample[] = [];
  const mediaErrors: string[] = [];
  let teacherSawClassroom = { before: 0, after: 0 };
  const baseline = { heap: 0, sockets: 0, transports: 0, producers: 0, consumers: 0 };
  const after = { heap: 0, sockets: -1, transports: -1, producers: -1, consumers: -1, healthz: 0 };
  let lateJoin: { ok: boolean; producers: number; detail: string } = { ok: false, producers: 0, detail: 'not run' };
  let phaseMs = 0;
  const startedAt = Date.now();
  const fuzzers: Fuzzer[] = [];
  /** Set when the suite ends, so that nothing keeps running after a failed set-up. */
  let halted = false;

  beforeAll(async () => {
    process.stdout.write(`protocol fuzz: seed ${SEED} (FUZZ_SEED=${SEED} reproduces the generated messages)\n`);
    const rng = new Rng(SEED);
    server = await startServerProcess({
      DEMO: '1', LOG_LEVEL: process.env['FUZZ_SERVER_LOG'] ?? 'warn',
      RATE_LIMIT_BURST: '1000',
      RATE_LIMIT_PER_SECOND: '1000',
      // Budgets of the address and the participant: generous, so most messages reach the handlers.
      REQUEST_RATE_PER_IP: '100000/5000',
      CONNECT_RATE_PER_IP: '5000/200',
      AUTH_FAILURE_RATE_PER_IP: '5000/200',
    });

    // The live lesson: a teacher page and a classroom page in Chromium, exchanging media.
    browser = await launchBrowser();
    const teacherToken = await server.mintToken(LESSON, { role: 'teacher', displayName: '王丽' });
    const classroomToken = await server.mintToken(LESSON, { role: 'classroom', classroomId: 'qh-shangling-g4' });
    teacherPage = await openPage(browser, `${server.url}/teacher.html?lesson=${LESSON}&token=${encodeURIComponent(teacherToken)}`);
    classroomPage = await openPage(browser, `${server.url}/classroom.html?lesson=${LESSON}&classroom=qh-shangling-g4&token=${encodeURIComponent(classroomToken)}`);
    await waitForStats(classroomPage, (s) => total(s, teacherVideo, 'framesDecoded') > 10 && total(s, teacherAudio, 'packetsReceived') > 20, 30_000, 'teacher media at the classroom');
    const atTeacher = await waitForStats(teacherPage, (s) => total(s, classroomVideo, 'framesDecoded') > 5, 30_000, 'classroom video at the teacher');
    teacherSawClassroom.before = total(atTeacher, classroomVideo, 'framesDecoded');

    await server.gc();
    baseline.heap = await server.metric('classbridge_nodejs_heap_size_used_bytes');
    baseline.sockets = await server.metric('classbridge_signaling_connected_sockets');
    baseline.transports = await server.metric('classbridge_sfu_objects{type="transports"}');
    baseline.producers = await server.metric('classbridge_sfu_objects{type="producers"}');
    baseline.consumers = await server.metric('classbridge_sfu_objects{type="consumers"}');

    // Fuzzers of every role. Teachers only in the other lesson: a teacher in the live one may legitimately end it.
    const seats: Seat[] = [
      { name: 'classroom-joined', lessonId: LESSON, body: { role: 'classroom', classroomId: 'qh-baishi-g4-2' }, joins: true, transports: ['send', 'recv'] },
      { name: 'classroom-unjoined', lessonId: LESSON, body: { role: 'classroom', classroomId: 'qh-xiahe-mixed' }, joins: false, transports: [] },
      { name: 'student-joined', lessonId: LESSON, body: { role: 'student', participantId: 'fz-student-a', displayName: 'Fuzz A' }, joins: true, transports: ['send', 'recv'] },
      { name: 'student-unjoined', lessonId: LESSON, body: { role: 'student', participantId: 'fz-student-b' }, joins: false, transports: [] },
      { name: 'observer-joined', lessonId: LESSON, body: { role: 'observer', participantId: 'fz-observer-a' }, joins: true, transports: ['recv'] },
      { name: 'observer-unjoined', lessonId: LESSON, body: { role: 'observer', participantId: 'fz-observer-b' }, joins: false, transports: [] },
      { name: 'recorder-joined', lessonId: LESSON, body: { role: 'recorder', participantId: 'fz-recorder' }, joins: true, transports: ['recv'] },
      { name: 'captioner-unjoined', lessonId: LESSON, body: { role: 'captioner', participantId: 'fz-captioner' }, joins: false, transports: [] },
      { name: 'teacher-joined', lessonId: OTHER_LESSON, body: { role: 'teacher', participantId: 'fz-teacher-a' }, joins: true, transports: ['send', 'recv'] },
      { name: 'teacher-unjoined', lessonId: OTHER_LESSON, body: { role: 'teacher', participantId: 'fz-teacher-b' }, joins: false, transports: [] },
    ];
    let phaseStart = Date.now();
    const context: FuzzContext = {
      participants: new Set(['teacher', 'classroom-qh-shangling-g4', 'classroom-qh-baishi-g4-2', 'fz-student-a', 'fz-student-b', 'fz-observer-a', 'fz-teacher-a', 'fz-teacher-b', 'fz-recorder']),
      routerCaps: null,
      done: () => {
        const elapsed = Date.now() - phaseStart;
        return halted || elapsed >= MAX_PHASE_MS || (elapsed >= MIN_PHASE_MS && results.sent >= TARGET_MESSAGES);
      },
      otherTransports: (self) => fuzzers.filter((f) => f !== self).flatMap((f) => [...f.allOwnTransports]),
    };
    for (const seat of seats) fuzzers.push(new Fuzzer(seat, rng.fork(), server, context));
    await Promise.all(fuzzers.map((f) => f.open()));
    context.routerCaps = fuzzers.find((f) => f.routerCaps)?.routerCaps ?? null;

    // Tokens for the connection storms, minted as an operator would.
    const fresh: string[] = [];
    for (let i = 0; i < 90; i += 10) {
      fresh.push(...(await Promise.all(Array.from({ length: 10 }, (_, n) => server.mintToken(LESSON, { role: n % 2 ? 'observer' : 'student', participantId: `storm-${i + n}` })))));
    }
    const stormTokens: StormTokens = { fresh, shared: await server.mintToken(LESSON, { role: 'observer', participantId: 'storm-shared' }), secret: server.tokenSecret };

    // The fuzz phase: the clock starts once every fuzzer is connected and the storm tokens are minted.
    phaseStart = Date.now();
    // Watch the lesson's media while the fuzzers run.
    let watching = true;
    const watcher = (async () => {
      while (watching && !halted) {
        const started = Date.now();
        try {
          const stats: PageInbound[] = await receiveStats(classroomPage);
          media.push({ atMs: started - phaseStart, frames: total(stats, teacherVideo, 'framesDecoded'), packets: total(stats, teacherAudio, 'packetsReceived') });
        } catch (error) {
          mediaErrors.push(String(error));
        }
        await sleep(Math.max(0, MEDIA_SAMPLE_MS - (Date.now() - started)));
      }
    })();

    const stormRng = rng.fork();
    const storms = (async () => {
      for (const at of [1_000, 9_000, 17_000]) {
        await sleep(Math.max(0, phaseStart + at - Date.now()));
        if (halted) return;
        await storm(server.url, stormRng, stormTokens).catch((error: unknown) => void results.testErrors.push(`storm: ${error instanceof Error ? error.stack : String(error)}`.slice(0, 1_000)));
      }
    })();
    const scheduleRng = rng.fork();
    const scheduler = (async () => {
      // A few frames over the engine.io cap and a few that are no socket.io packets at all, spread over the run.
      for (const [index, at] of [2_000, 5_000, 8_000, 11_000, 14_000, 17_000, 20_000].entries()) {
        await sleep(Math.max(0, phaseStart + at - Date.now()));
        scheduleRng.pick(fuzzers).overCapDue = true;
        if (index % 2 === 1) scheduleRng.pick(fuzzers).garbageDue = true;
      }
    })();

    await Promise.all(fuzzers.map((f) => f.run(context)));
    await Promise.all([storms, scheduler]);
    await Promise.all(fuzzers.map((f) => f.drain()));
    phaseMs = Date.now() - phaseStart;
    watching = false;
    await watcher;

    // Still serving: a newcomer joins the live lesson and sees the teacher's media.
    try {
      const token = await server.mintToken(LESSON, { role: 'observer', participantId: 'after-fuzz' });
      const newcomer = await connect(server.url, { token });
      const caps = await newcomer.request('getRouterRtpCapabilities', {});
      const joined = await newcomer.request('join', { rtpCapabilities: caps.ok ? caps.data.rtpCapabilities : {} });
      lateJoin = {
        ok: caps.ok && joined.ok,
        producers: joined.ok ? joined.data.producers.filter((p: { participantId: string }) => p.participantId === 'teacher').length : 0,
        detail: JSON.stringify(joined.ok ? joined.data.self : joined.error),
      };
      newcomer.close();
    } catch (error) {
      lateJoin = { ok: false, producers: 0, detail: String(error) };
    }

    // Everyone leaves; sockets and media objects must go back to what the lesson alone needs.
    fuzzers.forEach((f) => f.close());
    const settle = async (read: () => Promise<number>, target: number, timeoutMs: number): Promise<number> => {
      const deadline = Date.now() + timeoutMs;
      let value = await read();
      while (value !== target && Date.now() < deadline) {
        await sleep(250);
        value = await read();
      }
      return value;
    };
    after.sockets = await settle(() => server.metric('classbridge_signaling_connected_sockets'), baseline.sockets, 10_000);
    after.transports = await settle(() => server.metric('classbridge_sfu_objects{type="transports"}'), baseline.transports, 10_000);
    after.producers = await settle(() => server.metric('classbridge_sfu_objects{type="producers"}'), baseline.producers, 5_000);
    after.consumers = await settle(() => server.metric('classbridge_sfu_objects{type="consumers"}'), baseline.consumers, 5_000);
    // Heap after full collections; a few tries, since freeing may trail the closes.
    const bound = baseline.heap + HEAP_SLACK_BYTES;
    for (let i = 0; i < 5; i++) {
      await server.gc();
      after.heap = await server.metric('classbridge_nodejs_heap_size_used_bytes');
      if (after.heap <= bound) break;
      await sleep(1_000);
    }
    after.healthz = (await fetch(`${server.url}/healthz`)).status;

    // The teacher still receives the classroom's camera.
    const beforeEnd = total(await receiveStats(teacherPage), classroomVideo, 'framesDecoded');
    const atEnd = await waitForStats(teacherPage, (s) => total(s, classroomVideo, 'framesDecoded') > beforeEnd + 10, 10_000, 'classroom video at the teacher after the fuzz').catch(() => receiveStats(teacherPage));
    teacherSawClassroom.after = total(atEnd, classroomVideo, 'framesDecoded');
    teacherSawClassroom = { before: beforeEnd, after: teacherSawClassroom.after };
  });

  afterAll(async () => {
    halted = true;
    fuzzers.forEach((f) => f.close());
    const summary = {
      seed: SEED,
      messagesSent: results.sent,
      withAck: results.withAck,
      withoutAck: results.noAck,
      setupRequests: results.setupRequests,
      answeredByCode: Object.fromEntries([...results.answered].sort((a, b) => b[1] - a[1])),
      unanswered: {
        timedOut: results.unanswered.filter((u) => /timed out/.test(u.why)).length,
        lostWithSocket: results.unanswered.filter((u) => !/timed out/.test(u.why)).length,
      },
      excusedDrops: results.excused,
      malformedAnswers: results.malformed.length,
      leaks: results.leaked.length,
      internal: results.internal.length,
      schemaBypasses: results.bypassed.length,
      wrongCodes: results.wrongCode.length,
      unexpectedDisconnects: results.unexpectedDisconnects.length,
      transportDrops: results.transportDrops.length,
      overCapFrames: results.overCap.length,
      garbageFrames: results.garbage.length,
      connections: results.connections,
      refusalsByCode: Object.fromEntries(results.refusals),
      acceptedInvalidTokens: results.acceptedInvalid.length,
      mediaSamples: media.length,
      heapBeforeMiB: +(baseline.heap / 2 ** 20).toFixed(1),
      heapAfterMiB: +(after.heap / 2 ** 20).toFixed(1),
      fuzzPhaseMs: phaseMs,
      totalMs: Date.now() - startedAt,
    };
    process.stdout.write(`protocol fuzz summary: ${JSON.stringify(summary)}\n`);
    const reportFile = process.env['FUZZ_REPORT'];
    if (reportFile) {
      const detail = {
        summary,
        byKind: Object.fromEntries(results.byKind),
        messages: Object.fromEntries([...results.messages].map(([code, perMessage]) => [code, Object.fromEntries([...perMessage].sort((a, b) => b[1] - a[1]))])),
        unanswered: results.unanswered.slice(0, 200),
        malformed: results.malformed.slice(0, 50),
        leaked: results.leaked.slice(0, 100),
        longMessages: results.longMessages.slice(0, 50),
        internal: results.internal.slice(0, 50),
        bypassed: results.bypassed.slice(0, 50),
        wrongCode: results.wrongCode.slice(0, 100),
        unexpectedDisconnects: results.unexpectedDisconnects,
        removals: results.removals,
        reviveFailures: results.reviveFailures,
        overCap: results.overCap,
        garbage: results.garbage,
        badRefusals: results.badRefusals,
        acceptedInvalid: results.acceptedInvalid,
        namespaceRefusals: results.namespaceRefusals,
        media,
        mediaErrors,
        teacherSawClassroom,
        baseline,
        after,
        lateJoin,
        testErrors: results.testErrors,
        serverOutput: server?.output().slice(-200_000),
      };
      writeFileSync(reportFile, JSON.stringify(detail, null, 2));
    }
    if (server) {
      const errorLines = server.output().split('\n').filter((line) => /"level":(50|60)|uncaught|fatal/i.test(line));
      if (errorLines.length > 0) process.stdout.write(`server process logged ${errorLines.length} error lines, e.g.:\n${errorLines.slice(0, 10).join('\n').slice(0, 6_000)}\n`);
    }
    await browser?.close();
    await server?.stop();
  });

  it('sent thousands of hostile messages from sockets of every role', () => {
    expect(results.sent).toBeGreaterThanOrEqual(MIN_MESSAGES);
    // The fuzz is only worth something if most messages got past the rate limits to the handlers.
    const answered = [...results.answered.values()].reduce((a, b) => a + b, 0);
    expect(results.answered.get(ErrorCode.RateLimited) ?? 0).toBeLessThan(answered / 2);
    expect(results.reviveFailures).toEqual([]);
    expect(results.testErrors).toEqual([]);
    // Every request that asked for an answer is accounted for exactly once.
    expect(answered + results.malformed.length + results.unanswered.length + results.excused).toBe(results.withAck);
  });

  it('the server process survived and is healthy', () => {
    expect({ alive: server.alive(), exitCode: server.exitCode, signal: server.exitSignal }).toEqual({ alive: true, exitCode: null, signal: null });
    expect(after.healthz).toBe(200);
  });

  it('answered every request that asked for an answer', () => {
    expect(results.unanswered.slice(0, 20)).toEqual([]);
    expect(results.unanswered).toHaveLength(0);
  });

  it('dropped sockets only for frames over the engine.io cap or protocol garbage', () => {
    expect(results.unexpectedDisconnects).toEqual([]);
    expect(results.transportDrops.length).toBeLessThanOrEqual(2);
    expect(results.removals).toEqual([]);
    expect(results.overCap.filter((o) => !o.dropped)).toEqual([]);
  });

  it('answered with { ok, data } or { ok: false, error: { code, message } } and a stable code', () => {
    expect(results.malformed.slice(0, 10)).toEqual([]);
  });

  it('answered no hostile request with INTERNAL', () => {
    expect(results.internal.slice(0, 10)).toEqual([]);
  });

  it('rejected every request the shared schema rejects, with the code the message deserves', () => {
    expect(results.bypassed.slice(0, 10)).toEqual([]);
    const summary = new Map<string, number>();
    for (const wrong of results.wrongCode) bump(summary, `${wrong.kind} → ${wrong.got} (expected ${wrong.expected.join('|')})`);
    expect(Object.fromEntries(summary)).toEqual({});
  });

  it('leaked no stack traces, paths or library internals in any error text', () => {
    expect(results.leaked.slice(0, 10)).toEqual([]);
  });

  it(`kept error texts short (at most ${MAX_MESSAGE_CHARS} characters: no mirrored input)`, () => {
    expect(results.longMessages.slice(0, 5)).toEqual([]);
  });

  it('refused every bad connection with a stable code and accepted none', () => {
    expect(results.connections.attempts).toBeGreaterThanOrEqual(150);
    expect(results.badRefusals.slice(0, 10)).toEqual([]);
    expect(results.acceptedInvalid).toEqual([]);
  });

  it('kept the lesson media flowing all along', () => {
    expect(mediaErrors).toEqual([]);
    expect(media.length).toBeGreaterThanOrEqual(Math.floor(MIN_PHASE_MS / MEDIA_SAMPLE_MS) - 2);
    const stalls = media.slice(1).filter((sample, i) => sample.frames <= media[i]!.frames || sample.packets <= media[i]!.packets);
    expect(stalls).toEqual([]);
    expect(teacherSawClassroom.after).toBeGreaterThan(teacherSawClassroom.before + 10);
  });

  it('released every socket and media object, and the heap returned near its baseline', () => {
    expect({ sockets: after.sockets, transports: after.transports, producers: after.producers, consumers: after.consumers }).toEqual({
      sockets: baseline.sockets,
      transports: baseline.transports,
      producers: baseline.producers,
      consumers: baseline.consumers,
    });
    expect(after.heap).toBeGreaterThan(0);
    expect(after.heap).toBeLessThanOrEqual(baseline.heap + HEAP_SLACK_BYTES);
  });

  it('still lets a newcomer join the live lesson and see the teacher', () => {
    expect(lateJoin).toMatchObject({ ok: true });
    expect(lateJoin.producers).toBeGreaterThanOrEqual(2);
  });

  it('logged nothing uncaught or fatal', () => {
    const lines = server.output().split('\n');
    expect(lines.filter((line) => /uncaught|fatal|"level":60|FATAL ERROR|Segmentation|Aborted/i.test(line)).slice(0, 10)).toEqual([]);
  });
});
