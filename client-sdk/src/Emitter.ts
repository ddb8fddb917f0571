/**
 * A listener of one event: called with that event's payload.
 *
 * @typeParam Payload - what the event carries, e.g. {@link RemoteTrack} for `trackAdded`.
 */
export type Listener<Payload> = (payload: Payload) => void;

/**
 * A tiny typed event emitter for the browser (no Node 'events' in the bundle).
 *
 * `Events` maps each event name to the payload its listeners receive. Only those names
 * are accepted: `client.on('trackAdd', …)` (a typo of `trackAdded`) does not compile.
 * A listener that throws is reported on the console and does not stop the other
 * listeners, nor the client that emitted the event.
 *
 * @typeParam Events - event names and their payload types, e.g. {@link ClientEvents}.
 */
export class Emitter<Events extends object> {
  /** Listeners by event, each with whether it is a once-listener; insertion order is call order. */
  readonly #listeners = new Map<keyof Events, Map<Listener<never>, { once: boolean }>>();

  /**
   * Calls `listener` with the payload of every `event` from now on. Adding a listener that is
   * already registered for this event does nothing (it is still called once per event).
   *
   * @returns a function that removes the listener again (the same as {@link off}).
   */
  on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): () => void {
    this.#add(event, listener, false);
    return () => this.off(event, listener);
  }

  /**
   * Calls `listener` with the payload of the next `event` only, then removes it.
   *
   * @returns a function that removes the listener before it was called.
   */
  once<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): () => void {
    this.#add(event, listener, true);
    return () => this.off(event, listener);
  }

  /** Removes a listener added with {@link on} or {@link once}; unknown listeners are ignored. */
  off<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): void {
    const listeners = this.#listeners.get(event);
    listeners?.delete(listener as Listener<never>);
    if (listeners?.size === 0) this.#listeners.delete(event);
  }

  /**
   * Calls the listeners of `event` in the order they were added. Listeners added or removed by
   * a listener take effect from the next event on. A listener that throws is logged with
   * `console.error` and the others still run.
   */
  protected emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    const listeners = this.#listeners.get(event);
    if (!listeners) return;
    for (const [listener, { once }] of [...listeners]) {
      if (once) this.off(event, listener as Listener<Events[K]>);
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        console.error(`classbridge: a "${event}" listener threw`, error);
      }
    }
  }

  #add<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>, once: boolean): void {
    let listeners = this.#listeners.get(event);
    if (!listeners) this.#listeners.set(event, (listeners = new Map()));
    if (!listeners.has(listener as Listener<never>)) listeners.set(listener as Listener<never>, { once });
  }
}
