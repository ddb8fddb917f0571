import { pino } from 'pino';
import { ErrorCode } from '@classbridge/protocol';
import type { AccessClaims, NotificationMap, NotificationMethod, Role } from '@classbridge/protocol';
import { LiveLesson } from '../src/live/LiveLesson.js';
import type { LessonChannel } from '../src/live/LessonChannel.js';
import type { DirectoryStore } from '../src/store/DirectoryStore.js';
import type { Lesson } from '../src/domain/schemas.js';
import { FakeSfu } from './support/FakeSfu.js';
import { LocalLessonEventBus } from '../src/events/LocalLessonEventBus.js';
import type { LessonEvent } from '@classbridge/protocol';

const lesson: Lesson = {
  id: 'L1', title: 'Music', subject: '', teacherId: null, mainClassroomId: 'main', remoteClassroomIds: ['a', 'b'],
  scheduledStart: '2026-11-23T08:00:00.000Z', durationMinutes: 40, status: 'scheduled', startedAt: null, endedAt: null, createdAt: '2026-11-23T07:00:00.000Z',
  removedParticipantIds: [],
  floorHolderIds: [],
  recording: true,
  language: 'zh' as const,
  captions: true,
};

class RecordingChannel implements LessonChannel {
  readonly sent: Array<{ to: string; method: NotificationMethod; data: unknown }> = [];
  readonly disconnected: string[] = [];
  /** Who was in the broadcast group when each broadcast went out. */
  readonly reached: Array<{ method: NotificationMethod; data: unknown; members: Set<string> }> = [];
  broadcast<M extends NotificationMethod>(method: M, data: NotificationMap[M]) {
    this.sent.push({ to: '*', method, data });
    this.reached.push({ method, data, members: new Set(this.members) });
  }
  send<M extends NotificationMethod>(connectionId: string, method: M, data: NotificationMap[M]) {
    this.sent.push({ to: connectionId, method, data });
  }
  readonly members = new Set<string>();
  addMember(connectionId: string) {
    this.members.add(connectionId);
  }
  removeMember(connectionId: string) {
    this.members.delete(connectionId);
  }
  disconnect(connectionId: string) {
    this.disconnected.push(connectionId);
  }
  disconnectAll() {}
  last<M extends NotificationMethod>(method: M): NotificationMap[M] | undefined {
    return this.sent.filter((entry) => entry.method === method).at(-1)?.data as NotificationMap[M] | undefined;
  }
}

function setup(maxFloorHolders = 1, { maxParticipants = 100, removed = [] as string[], floor = [] as string[] } = {}) {
  const sfu = new FakeSfu();
  const channel = new RecordingChannel();
  let current: Lesson = { ...lesson, removedParticipantIds: removed, floorHolderIds: floor };
  const store = {
    setLessonStatus: async (_id: string, status: 'live' | 'ended') => {
      const changed = current.status !== status;
      current = { ...current, status };
      return { lesson: current, changed };
    },
    removeParticipant: async (_id: string, participantId: string) =>
      (current = { ...current, removedParticipantIds: [...new Set([...current.removedParticipantIds, participantId])] }),
    setFloorHolders: async (_id: string, holderIds: readonly string[]) => {
      // Slow, so writes overlap unless the lesson serialises them.
      await new Promise((resolve) => setTimeout(resolve, 5));
      current = { ...current, floorHolderIds: [...holderIds] };
    },
  } as unknown as DirectoryStore;
  const events = new LocalLessonEventBus(pino({ level: 'silent' }));
  const published: LessonEvent[] = [];
  events.subscribe((event) => published.push(event));
  const live = new LiveLesson({ lesson: current, sfu, store, channel, events, logger: pino({ level: 'silent' }), maxFloorHolders, maxParticipants });
  let n = 0;
  const join = async (sub: string, role: Role) => {
    const claims: AccessClaims = { sub, lessonId: 'L1', role, name: sub };
    const connection = `socket-${sub}-${++n}`;
    const response = await live.join(claims, connection, `peer-${sub}-${n}`, { codecs: [] });
    return { connection, response };
  };
  const mic = (sub: string) => live.produce(sub, { transportId: 't', kind: 'audio', source: 'microphone', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000 }] } });
  return { sfu, channel, live, join, mic, published, status: () => current.status, removedInStore: () => current.removedParticipantIds, floorInStore: () => current.floorHolderIds };
}

function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  const run = typeof promise === 'function' ? Promise.resolve().then(promise) : promise;
  return run.then(
    () => undefined,
    (error: { code?: string }) => error.code,
  );
}

describe('LiveLesson', () => {
  it('gives video producers their SFU priority by owner and floor: teacher screen, teacher camera, floor holder, the rest', async () => {
    const t = setup();
    await t.join('teacher', 'teacher');
    await t.join('room-a', 'classroom');
    const video = (sub: string, source: 'camera' | 'screen') =>
      t.live.produce(sub, { transportId: 't', kind: 'video', source, rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }] } });
    const screen = (await video('teacher', 'screen')).producerId;
    const camera = (await video('teacher', 'camera')).producerId;
    const roomCamera = (await video('room-a', 'camera')).producerId;
    const mic = (await t.mic('room-a')).producerId;
    const priority = (id: string) => t.sfu.priorities.get(id);
    expect([priority(screen), priority(camera), priority(roomCamera)]).toEqual([255, 200, 50]);
    expect(priority(mic)).toBeUndefined(); // audio is not traded against video
    await t.live.grantFloor('teacher', 'room-a');
    expect(priority(roomCamera)).toBe(150);
    await t.live.revokeFloor('teacher', 'room-a');
    expect(priority(roomCamera)).toBe(50);
  });

  it('stores the floor on every change, in order, and a lesson loaded again gives it back (a new owner after failover)', async () => {
    const t = setup(2);
    await t.join('teacher', 'teacher');
    await t.join('room-a', 'classroom');
    await t.join('room-b', 'classroom');
    await Promise.all([t.live.grantFloor('teacher', 'room-a'), t.live.grantFloor('teacher', 'room-b')]);
    await t.live.revokeFloor('teacher', 'room-a');
    // The three writes (5 ms each, serialised) land in the background: wait for the last one (a
    // loaded machine may take a while), then make sure no older write lands after it.
    for (const deadline = Date.now() + 2_000; JSON.stringify(t.floorInStore()) !== '["room-b"]' && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(t.floorInStore()).toEqual(['room-b']);

    // Loaded elsewhere from what was stored: room-b holds the floor before anyone rejoins, and its microphone is live at once.
    const next = setup(2, { floor: t.floorInStore() });
    expect(next.live.floorState().holders).toEqual(['room-b']);
    await next.join('room-b', 'classroom');
    expect((await next.mic('room-b')).pausedReason).toBeNull();
  });

  it('the teacher joining makes a scheduled lesson live', async () => {
    const t = setup();
    await t.join('teacher', 'teacher');
    expect(t.status()).toBe('live');
  });

  it('holds a remote classroom microphone paused at the SFU until the floor is granted', async () => {
    const t = setup();
    await t.join('teacher', 'teacher');
    await t.join('room-a', 'classroom');
    const { producerId, pausedReason } = await t.mic('room-a');
    expect(pausedReason).toBe('no-floor');
    expect(t.sfu.producers.get(producerId)?.paused).toBe(true);

    expect(await codeOf(t.live.setOwnProducerPaused('room-a', producerId, false))).toBe(ErrorCode.FloorRequired);
    expect(t.sfu.producers.get(producerId)?.paused).toBe(true);

    t.live.raiseHand('room-a');
    expect(t.live.floorState().raisedHands).toEqual(['room-a']);
    await t.live.grantFloor('teacher', 'room-a');
    expect(t.sfu.producers.get(producerId)?.paused).toBe(false);
    expect(t.live.floorState()).toEqual({ holders: ['room-a'], raisedHands: [] });
    expect(t.channel.last('producerResumed')).toEqual({ producerId, participantId: 'room-a' });

    await t.live.revokeFloor('teacher', 'room-a');
    expect(t.sfu.producers.get(producerId)?.paused).toBe(true);
    expect(t.channel.last('producerPaused')).toMatchObject({ producerId, reason: 'no-floor' });
  });

  it('gives the floor to one classroom at a time by default (echo control)', async () => {
    const t = setup();
    await t.join('teacher', 'teacher');
    await t.join('room-a', 'classroom');
    await t.join('room-b', 'classroom');
    const a = await t.mic('room-a');
    const b = await t.mic('room-b');
    await t.live.grantFloor('teacher', 'room-a');
    await t.live.grantFloor('teacher', 'room-b');
    expect(t.live.floorState().holders).toEqual(['room-b']);
    expect(t.sfu.producers.get(a.producerId)?.paused).toBe(true);
    expect(t.sfu.producers.get(b.producerId)?.paused).toBe(false);
  });

  it('allows several floor holders when configured', async () => {
    const t = setup(2);
    await t.join('teacher', 'teacher');
    await t.join('room-a', 'classroom');
    await t.join('room-b', 'classroom');
    await t.live.grantFloor('teacher', 'room-a');
    await t.live.grantFloor('teacher', 'room-b');
    expect(t.live.floorState().holders).toEqual(['room-a', 'room-b']);
  });

  it('enforces roles on the server', async () => {
    const t = setup();
    await t.join('teacher', 'teacher');
    await t.join('room-a', 'classroom');
    await t.join('watcher', 'observer');
    expect(await codeOf(t.live.produce('watcher', { transportId: 't', kind: 'video', source: 'camera', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }] } }))).toBe(ErrorCode.Forbidden);
    expect(await codeOf(t.live.createTransport('watcher', 'send'))).toBe(ErrorCode.Forbidden);
    expect(await codeOf(t.live.produce('room-a', { transportId: 't', kind: 'video', source: 'screen', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }] } }))).toBe(ErrorCode.Forbidden);
    expect(await codeOf(t.live.grantFloor('room-a', 'room-a'))).toBe(ErrorCode.Forbidden);
    expect(await codeOf(t.live.mute('watcher', 'teacher'))).toBe(ErrorCode.Forbidden);
    expect(await codeOf(() => t.live.setSpotlight('room-a', 'room-a'))).toBe(ErrorCode.Forbidden);
    expect(await codeOf(t.live.end('room-a'))).toBe(ErrorCode.Forbidden);
    expect(await codeOf(() => t.live.raiseHand('watcher'))).toBe(ErrorCode.Forbidden);
  });

  it('restores role and floor when a classroom rejoins, replacing the old connection', async () => {
    const t = setup();
    await t.join('teacher', 'teacher');
    const first = await t.join('room-a', 'classroom');
    await t.live.grantFloor('teacher', 'room-a');
    await t.live.leave('room-a', first.connection);
    const again = await t.join('room-a', 'classroom');
    expect(again.response.self).toMatchObject({ role: 'classroom', hasFloor: true, connected: true });
    const { pausedReason } = await t.mic('room-a');
    expect(pausedReason).toBeNull();

    const leftBefore = t.channel.sent.filter((entry) => entry.method === 'participantLeft').length;
    const third = await t.join('room-a', 'classroom');
    expect(t.channel.disconnected).toContain(again.connection);
    expect(t.channel.sent).toContainEqual({ to: again.connection, method: 'removed', data: { reason: 'replaced' } });
    // A late leave of the replaced connection must not touch the new one.
    await t.live.leave('room-a', again.connection);
    expect(t.live.participants().find((p) => p.participantId === 'room-a')?.connected).toBe(true);
    // A replacement is not a departure: nobody is told the classroom left.
    expect(t.channel.sent.filter((entry) => entry.method === 'participantLeft')).toHaveLength(leftBefore);
    expect(third.response.self.hasFloor).toBe(true);
  });

  it('mutes, removes (and keeps out) and spotlights', async () => {
    const t = setup();
    await t.join('teacher', 'teacher');
    const a = await t.join('room-a', 'classroom');
    await t.live.grantFloor('teacher', 'room-a');
    const { producerId } = await t.mic('room-a');
    await t.live.mute('teacher', 'room-a');
    expect(t.sfu.producers.get(producerId)?.paused).toBe(true);
    expect(t.channel.last('producerPaused')).toMatchObject({ producerId, reason: 'muted' });
    // Holding the floor, the classroom may unmute itself again.
    await t.live.setOwnProducerPaused('room-a', producerId, false);
    expect(t.sfu.producers.get(producerId)?.paused).toBe(false);

    t.live.setSpotlight('teacher', 'room-a');
    expect(t.channel.last('spotlightChanged')).toEqual({ participantId: 'room-a' });
    await t.live.remove('teacher', 'room-a');
    expect(t.channel.disconnected).toContain(a.connection);
    expect(t.live.floorState().holders).toEqual([]);
    expect(t.channel.last('spotlightChanged')).toEqual({ participantId: null });
    expect(await codeOf(t.join('room-a', 'classroom'))).toBe(ErrorCode.Forbidden);
  });

  it('ends the lesson for everyone and refuses later joins', async () => {
    const t = setup();
    const teacher = await t.join('teacher', 'teacher');
    const a = await t.join('room-a', 'classroom');
    await t.live.end('teacher');
    expect(t.status()).toBe('ended');
    expect(t.channel.last('lessonEnded')).toEqual({ reason: 'ended-by-teacher' });
    expect(t.channel.disconnected).toEqual(expect.arrayContaining([teacher.connection, a.connection]));
    expect(await codeOf(t.join('room-b', 'classroom'))).toBe(ErrorCode.InvalidState);
  });

  it('tells a late joiner who is speaking', async () => {
    const t = setup();
    const teacher = await t.join('teacher', 'teacher');
    t.live.onActiveSpeaker(`peer-teacher-1`);
    expect(t.channel.last('activeSpeaker')).toEqual({ participantId: 'teacher' });
    const late = await t.join('room-a', 'classroom');
    expect(late.response.activeSpeaker).toBe('teacher');
    await t.live.leave('teacher', teacher.connection);
    expect((await t.join('room-b', 'classroom')).response.activeSpeaker).toBeNull();
  });

  it('tells everyone to rebuild media when the SFU room is lost', async () => {
    const t = setup();
    await t.join('teacher', 'teacher');
    const { producerId } = await t.mic('teacher');
    t.live.onMediaReset('worker-died');
    expect(t.channel.last('producerRemoved')).toEqual({ producerId });
    expect(t.channel.last('mediaReset')).toEqual({ reason: 'worker-died' });
  });

  it('keeps one producer per source when 20 publish requests race', async () => {
    const t = setup();
    await t.join('teacher', 'teacher');
    await t.join('room-a', 'classroom');
    const camera = () =>
      t.live.produce('room-a', { transportId: 't', kind: 'video', source: 'camera', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }] } });
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => codeOf(camera())));
    expect(outcomes.filter((code) => code === undefined)).toHaveLength(1);
    expect(outcomes.filter((code) => code === ErrorCode.Conflict)).toHaveLength(19);
    expect([...t.sfu.producers.values()].filter((p) => p.source === 'camera')).toHaveLength(1);
    // Once it is closed, the source is free again.
    const [only] = [...t.sfu.producers.values()].filter((p) => p.source === 'camera');
    await t.live.closeProducer('room-a', only!.producerId);
    expect(await codeOf(camera())).toBeUndefined();
  });

  it('leaves exactly one live connection when 10 joins of one participant race', async () => {
    const t = setup();
    const claims: AccessClaims = { sub: 'teacher', lessonId: 'L1', role: 'teacher', name: 'T' };
    const connections = Array.from({ length: 10 }, (_, i) => `socket-${i}`);
    await Promise.all(connections.map((connection, i) => t.live.join(claims, connection, `peer-${i}`, { codecs: [] })));
    const live = connections.filter((connection) => {
      try {
        t.live.assertConnection('teacher', connection);
        return true;
      } catch {
        return false;
      }
    });
    expect(live).toHaveLength(1);
    // Every other one was told it was replaced and dropped, and left the broadcast group.
    const dropped = connections.filter((connection) => connection !== live[0]);
    expect([...t.channel.disconnected].sort()).toEqual([...dropped].sort());
    expect([...t.channel.members]).toEqual(live);
    // Their SFU peers were closed; the survivor's was not.
    expect(t.sfu.closedPeers).toHaveLength(9);
    expect(t.live.connectedCount).toBe(1);
  });

  it('caps connected participants, also when joins race, but always lets a participant replace its connection', async () => {
    const t = setup(1, { maxParticipants: 4 });
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => codeOf(t.join(`room-${i}`, 'classroom'))));
    expect(outcomes.filter((code) => code === undefined)).toHaveLength(4);
    expect(outcomes.filter((code) => code === ErrorCode.LimitExceeded)).toHaveLength(6);
    const inside = outcomes.findIndex((code) => code === undefined);
    expect(await codeOf(t.join(`room-${inside}`, 'classroom'))).toBeUndefined();
    expect(t.live.connectedCount).toBe(4);
  });

  it('puts a joiner into the broadcast group in the step that takes its snapshot', async () => {
    const t = setup();
    await t.join('teacher', 'teacher');
    // The teacher publishes while a classroom joins: the classroom must learn of the producer exactly once.
    const [{ producerId }, room] = await Promise.all([t.mic('teacher'), t.join('room-a', 'classroom')]);
    const inSnapshot = room.response.producers.some((p) => p.producerId === producerId);
    const announced = t.channel.reached.some((entry) => entry.method === 'producerAdded' && (entry.data as { producerId: string }).producerId === producerId && entry.members.has(room.connection));
    expect(inSnapshot !== announced).toBe(true);
    expect(t.channel.members.has(room.connection)).toBe(true);
    // A connection that leaves is out of the group at once.
    await t.live.leave('room-a', room.connection);
    expect(t.channel.members.has(room.connection)).toBe(false);
  });

  it('keeps removed participants out across a reload of the lesson', async () => {
    const t = setup();
    await t.join('teacher', 'teacher');
    await t.join('student-1', 'student');
    await t.live.remove('teacher', 'student-1');
    expect(t.removedInStore()).toEqual(['student-1']);
    // A new LiveLesson built from the stored lesson (a restart) still refuses them.
    const again = setup(1, { removed: t.removedInStore() });
    expect(await codeOf(again.join('student-1', 'student'))).toBe(ErrorCode.Forbidden);
    expect(again.live.participants().map((p) => p.participantId)).not.toContain('student-1');
  });

  it('ends the lesson without dropping the connection that asked, so it gets its answer', async () => {
    const t = setup();
    const teacher = await t.join('teacher', 'teacher');
    const a = await t.join('room-a', 'classroom');
    await t.live.end('teacher', teacher.connection);
    expect(t.channel.disconnected).toEqual([a.connection]);
    expect(t.channel.members.size).toBe(0);
  });

  it('tells the server-side event stream what happens, once per change', async () => {
    const t = setup();
    await Promise.all([t.join('teacher', 'teacher'), t.join('teacher', 'teacher')]);
    const room = await t.join('room-a', 'classroom');
    const { producerId } = await t.mic('room-a');
    await t.live.grantFloor('teacher', 'room-a');
    await t.live.leave('room-a', room.connection);
    await t.live.end('teacher');
    const types = t.published.map((event) => event.type);
    expect(types.filter((type) => type === 'lesson.started')).toHaveLength(1);
    expect(types.filter((type) => type === 'participant.joined')).toHaveLength(2);
    expect(t.published).toContainEqual(expect.objectContaining({ type: 'producer.added', producerId, participantId: 'room-a', source: 'microphone', paused: true }));
    expect(t.published).toContainEqual(expect.objectContaining({ type: 'producer.resumed', producerId }));
    expect(t.published).toContainEqual(expect.objectContaining({ type: 'floor.changed', floor: { holders: ['room-a'], raisedHands: [] } }));
    expect(t.published).toContainEqual(expect.objectContaining({ type: 'participant.left', participantId: 'room-a', reason: 'left' }));
    expect(types.at(-1)).toBe('lesson.ended');
    expect(t.published.every((event) => event.lessonId === 'L1' && !Number.isNaN(Date.parse(event.at)))).toBe(true);
  });

  it('a failing event subscriber never breaks the lesson', async () => {
    const t = setup();
    const bus = new LocalLessonEventBus(pino({ level: 'silent' }));
    let calls = 0;
    bus.subscribe(() => {
      throw new Error('subscriber bug');
    });
    bus.subscribe(() => calls++);
    expect(() => bus.publish({ type: 'lesson.started', lessonId: 'L1' })).not.toThrow();
    expect(calls).toBe(1);
    await t.join('teacher', 'teacher');
  });

  it('lets the teacher dismiss a raised hand without granting the floor', async () => {
    const t = setup();
    await t.join('teacher', 'teacher');
    await t.join('room-a', 'classroom');
    t.live.raiseHand('room-a');
    expect(await codeOf(() => t.live.dismissHand('room-a', 'room-a'))).toBe(ErrorCode.Forbidden);
    t.live.dismissHand('teacher', 'room-a');
    expect(t.live.floorState()).toEqual({ holders: [], raisedHands: [] });
    expect(t.live.participants().find((p) => p.participantId === 'room-a')).toMatchObject({ handRaised: false, hasFloor: false });
    expect(t.channel.last('floorChanged')).toEqual({ holders: [], raisedHands: [] });
  });
});
