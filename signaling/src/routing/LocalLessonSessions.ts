import type { SfuControl } from '@classbridge/sfu';
import type { LiveLessonRegistry } from '../live/LiveLessonRegistry.js';
import type { IceServerProvider } from '../turn/TurnCredentials.js';
import { ParticipantSession } from '../socket/ParticipantSession.js';
import type { AdmittedConnection, LessonSession, LessonSessions } from './LessonSessions.js';

/** Every lesson's state lives in this process: each connection is answered here. */
export class LocalLessonSessions implements LessonSessions {
  readonly #registry: LiveLessonRegistry;
  readonly #sfu: SfuControl;
  readonly #ice: IceServerProvider;

  constructor(registry: LiveLessonRegistry, sfu: SfuControl, ice: IceServerProvider) {
    this.#registry = registry;
    this.#sfu = sfu;
    this.#ice = ice;
  }

  open({ connectionId, claims, expiresAtMs }: AdmittedConnection): LessonSession {
    return new ParticipantSession(connectionId, claims, expiresAtMs, this.#registry, this.#sfu, this.#ice);
  }

  async close(): Promise<void> {
    // Sessions close with their sockets.
  }
}
