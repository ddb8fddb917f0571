/*
 * Type-level test of the SDK's public types: compiled, never run. `npx tsc -p tsconfig.test.json`
 * checks it against the built package types (dist/npm/index.d.ts, what apps get), and
 * package.e2e.test.ts checks it again inside an app that installed the packed SDK.
 * Every `@ts-expect-error` must meet an error: if a typo'd event name compiled,
 * tsc would fail with "Unused '@ts-expect-error' directive".
 */
import type { ClassBridgeClient, ClientEvents, ConnectionState, Listener, ParticipantView, RemoteTrack } from '@classbridge/client-sdk';
import type { ClassBridgeClient as BrowserBundleClient } from '@classbridge/client-sdk/browser';

declare const client: ClassBridgeClient;

// Known events: payload types come from ClientEvents.
const offTrack: () => void = client.on('trackAdded', (track) => {
  const remote: RemoteTrack = track;
  const kind: 'audio' | 'video' = track.kind;
  void remote;
  void kind;
});
offTrack();
client.once('connectionStateChanged', ({ state, reason }) => {
  const current: ConnectionState = state;
  const why: string | undefined = reason;
  void current;
  void why;
});
const onJoined: Listener<ParticipantView> = (participant) => void participant.displayName;
client.on('participantJoined', onJoined);
client.off('participantJoined', onJoined);

// Event names are exactly the keys of ClientEvents.
const names: Array<keyof ClientEvents> = ['trackAdded', 'trackRemoved', 'participantLeft', 'error'];
void names;

// @ts-expect-error 'trackAdd' is a typo of 'trackAdded': not an event
client.on('trackAdd', () => undefined);
// @ts-expect-error 'participantJoin' is not an event
client.once('participantJoin', () => undefined);
// @ts-expect-error 'connectionStateChange' is not an event
client.off('connectionStateChange', () => undefined);
// @ts-expect-error event names are strings
client.on(0, () => undefined);
// @ts-expect-error participantLeft carries { participantId }, not a ParticipantView
client.on('participantLeft', (participant: ParticipantView) => void participant.displayName);
// @ts-expect-error only the client emits its events
client.emit('trackAdded', {} as RemoteTrack);

// The standalone bundle (`@classbridge/client-sdk/browser`) has the same API and the same typed events.
declare const fromBundle: BrowserBundleClient;
fromBundle.on('trackAdded', (track) => void track.participant?.displayName);
// @ts-expect-error 'trackAdd' is not an event of the bundle's client either
fromBundle.on('trackAdd', () => undefined);
