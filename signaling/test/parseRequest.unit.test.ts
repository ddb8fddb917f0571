import { ErrorCode, MAX_REQUEST_BYTES } from '@classbridge/protocol';
import { parseRequest } from '../src/socket/parseRequest.js';

function codeOf(envelope: unknown): string | undefined {
  try {
    parseRequest(envelope);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('parseRequest', () => {
  it('accepts a valid request and returns its parsed data', () => {
    const parsed = parseRequest({ method: 'createTransport', data: { direction: 'recv' } });
    expect(parsed).toEqual({ method: 'createTransport', data: { direction: 'recv' } });
  });

  it.each([
    ['a string', 'join', ErrorCode.BadRequest],
    ['null', null, ErrorCode.BadRequest],
    ['an array', [1, 2], ErrorCode.BadRequest],
    ['an unknown method', { method: 'launchMissiles', data: {} }, ErrorCode.UnknownMethod],
    ['a prototype key as method', { method: '__proto__', data: {} }, ErrorCode.UnknownMethod],
    ['a missing method', { data: {} }, ErrorCode.UnknownMethod],
    ['a wrong enum', { method: 'createTransport', data: { direction: 'sideways' } }, ErrorCode.BadRequest],
    ['an extra field', { method: 'leave', data: { sneaky: true } }, ErrorCode.BadRequest],
    ['an id of the wrong type', { method: 'consume', data: { producerId: 42 } }, ErrorCode.BadRequest],
    ['RTP parameters without codecs', { method: 'produce', data: { transportId: 't', kind: 'audio', source: 'microphone', rtpParameters: { codecs: [] } } }, ErrorCode.BadRequest],
    ['an oversized payload', { method: 'join', data: { rtpCapabilities: { codecs: [], junk: 'x'.repeat(MAX_REQUEST_BYTES) } } }, ErrorCode.PayloadTooLarge],
  ])('rejects %s', (_name, envelope, code) => {
    expect(codeOf(envelope)).toBe(code);
  });

  it('names the offending field in the message', () => {
    expect(() => parseRequest({ method: 'connectTransport', data: { transportId: 'x', dtlsParameters: { fingerprints: [] } } })).toThrow(/dtlsParameters\.fingerprints/);
  });

  it('keeps its error text short however many unknown keys arrive', () => {
    const data = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, 0]));
    let message = '';
    try {
      parseRequest({ method: 'leave', data });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^leave: /);
    expect(message.length).toBeLessThanOrEqual(300);
  });

  it('refuses binary data, which an empty buffer would otherwise pass off as {}', () => {
    expect(codeOf({ method: 'endLesson', data: Buffer.alloc(0) })).toBe(ErrorCode.BadRequest);
    expect(codeOf({ method: 'leave', data: new Uint8Array(0) })).toBe(ErrorCode.BadRequest);
    expect(codeOf({ method: 'leave', data: [] })).toBe(ErrorCode.BadRequest);
    expect(codeOf({ method: 'leave', data: {} })).toBeUndefined();
    expect(codeOf({ method: 'leave' })).toBeUndefined();
  });
});
