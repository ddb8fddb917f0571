import { parseForwarded, parseReply } from '../src/cluster/signalingRpc.js';

const claims = { sub: 'classroom-a', lessonId: 'L1', role: 'classroom', name: 'Room A' };
const request = { kind: 'request', id: 'r1', gatewayId: 'signal-2', connection: { connectionId: 'sock-1', claims, expiresAtMs: 1 }, request: { method: 'sync', data: {} } };

/** What arrives on a node's Redis channels comes from outside this process: each message is checked before use. */
describe('signaling RPC messages', () => {
  it('takes well-formed requests and closes', () => {
    expect(parseForwarded(JSON.stringify(request))).toEqual(request);
    const close = { kind: 'close', gatewayId: 'signal-2', connectionId: 'sock-1', lessonId: 'L1' };
    expect(parseForwarded(JSON.stringify(close))).toEqual(close);
  });

  it.each([
    ['not JSON', '{'],
    ['null', 'null'],
    ['an unknown kind', JSON.stringify({ ...request, kind: 'shutdown' })],
    ['no gateway', JSON.stringify({ ...request, gatewayId: undefined })],
    ['a forged role', JSON.stringify({ ...request, connection: { ...request.connection, claims: { ...claims, role: 'superuser' } } })],
    ['claims without a lesson', JSON.stringify({ ...request, connection: { ...request.connection, claims: { ...claims, lessonId: undefined } } })],
    ['no expiry', JSON.stringify({ ...request, connection: { connectionId: 'sock-1', claims } })],
    ['no method', JSON.stringify({ ...request, request: { data: {} } })],
    ['a huge id', JSON.stringify({ ...request, id: 'x'.repeat(10_000) })],
    ['a close without its lesson', JSON.stringify({ kind: 'close', gatewayId: 'signal-2', connectionId: 'sock-1' })],
  ])('drops %s', (_why, text) => {
    expect(parseForwarded(text)).toBeNull();
  });

  it('takes replies with a known error code only', () => {
    expect(parseReply(JSON.stringify({ id: 'r1', ok: true, data: { a: 1 }, closeAfterReply: false }))).toMatchObject({ ok: true });
    expect(parseReply(JSON.stringify({ id: 'r1', ok: false, error: { code: 'NOT_JOINED', message: 'join first' }, closeAfterReply: false }))).toMatchObject({ ok: false });
    expect(parseReply(JSON.stringify({ id: 'r1', ok: false, error: { code: 'OOPS', message: 'x' }, closeAfterReply: false }))).toBeNull();
    expect(parseReply(JSON.stringify({ id: 'r1', ok: true, data: {} }))).toBeNull();
    expect(parseReply('[]')).toBeNull();
  });
});
