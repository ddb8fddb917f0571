import type { SfuEvents } from './SfuControl.js';
import type { TypedEmitter } from './TypedEmitter.js';

/** The SFU events that belong to one room. */
export const ROOM_EVENT_NAMES = ['roomClosed', 'producerClosed', 'consumerClosed', 'consumerLayersChanged', 'activeSpeaker', 'audioLevels', 'mediaTapClosed', 'mediaTapSenderReport'] as const;
export type RoomEventName = (typeof ROOM_EVENT_NAMES)[number];

/** One room's event, tagged with its name: a discriminated union, so handlers need no casts. */
export type RoomEvent = { [E in RoomEventName]: { type: E } & SfuEvents[E] }[RoomEventName];

/**
 * Calls `listener` with `roomId`'s events only, until the returned function is called. A
 * listener's error is contained: it never reaches the emitter or the room's other listeners.
 * (SfuControl.onRoom of every implementation is this.)
 */
export function subscribeRoom(emitter: Pick<TypedEmitter<SfuEvents>, 'on' | 'off'>, roomId: string, listener: (event: RoomEvent) => void): () => void {
  const detach = ROOM_EVENT_NAMES.map((type) => {
    const forward = (payload: SfuEvents[typeof type]) => {
      // Payloads from another process (RemoteSfu) are not trusted to have a shape.
      if ((payload as { roomId?: unknown } | null)?.roomId !== roomId) return;
      try {
        listener({ type, ...payload } as RoomEvent);
      } catch {
        // The subscriber's bug is its own.
      }
    };
    emitter.on(type, forward);
    return () => emitter.off(type, forward);
  });
  return () => detach.forEach((off) => off());
}
