import { EventEmitter } from 'node:events';

/** An EventEmitter whose event names and payloads are checked by the compiler. */
export class TypedEmitter<Events extends Record<string, unknown>> {
  readonly #emitter = new EventEmitter();

  on<E extends keyof Events & string>(event: E, listener: (payload: Events[E]) => void): this {
    this.#emitter.on(event, listener);
    return this;
  }

  off<E extends keyof Events & string>(event: E, listener: (payload: Events[E]) => void): this {
    this.#emitter.off(event, listener);
    return this;
  }

  once<E extends keyof Events & string>(event: E, listener: (payload: Events[E]) => void): this {
    this.#emitter.once(event, listener);
    return this;
  }

  protected emit<E extends keyof Events & string>(event: E, payload: Events[E]): void {
    this.#emitter.emit(event, payload);
  }

  protected removeAllListeners(): void {
    this.#emitter.removeAllListeners();
  }
}
