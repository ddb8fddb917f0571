import { createHmac } from 'node:crypto';
import type { IceServer, IceTransportPolicy } from '@classbridge/protocol';

export interface TurnConfig {
  /** TURN URIs clients are given (TURN_URLS), e.g. turn:turn.school.cn:3478?transport=udp, turns:turn.school.cn:443?transport=tcp. */
  urls: string[];
  /** The secret shared with coturn (`static-auth-secret`, TURN_SECRET). Never logged, never sent. */
  secret: string;
  /** How long minted credentials are valid (TURN_CREDENTIAL_TTL_SECONDS). */
  ttlSeconds: number;
  /** `relay`: clients send media only through TURN (TURN_POLICY), for networks that block everything else. */
  policy: IceTransportPolicy;
}

/** What a client builds its transports with: ICE servers and whether only relayed candidates are used. */
export interface IceConfiguration {
  iceServers: IceServer[];
  iceTransportPolicy: IceTransportPolicy;
}

/** Gives each participant the ICE servers for their transports. */
export interface IceServerProvider {
  forParticipant(participantId: string, nowMs?: number): IceConfiguration;
}

/** No TURN configured: clients reach the SFU's own candidates directly. */
export const directIceOnly: IceServerProvider = {
  forParticipant: () => ({ iceServers: [], iceTransportPolicy: 'all' }),
};

/**
 * Short-lived TURN credentials by the TURN REST API scheme coturn implements (`use-auth-secret`):
 * the username is `<expiry unix seconds>:<participant>`, the password the base64 HMAC-SHA1 of the
 * username under the shared secret. coturn checks both without asking us, so a leaked credential
 * is worth at most its TTL, and one participant's cannot be passed off as another's.
 */
export class TurnCredentials implements IceServerProvider {
  readonly #config: TurnConfig;

  constructor(config: TurnConfig) {
    if (config.urls.length === 0) throw new Error('TurnCredentials needs at least one TURN URL');
    if (config.secret.length < 16) throw new Error('the TURN secret must be at least 16 characters');
    this.#config = config;
  }

  forParticipant(participantId: string, nowMs = Date.now()): IceConfiguration {
    const expiry = Math.floor(nowMs / 1000) + this.#config.ttlSeconds;
    // coturn splits on the first ':' for the expiry; the rest names who it was minted for.
    const username = `${expiry}:${participantId}`;
    return {
      iceServers: [{ urls: [...this.#config.urls], username, credential: turnPassword(this.#config.secret, username) }],
      iceTransportPolicy: this.#config.policy,
    };
  }
}

/** The TURN REST API password for a username: base64(HMAC-SHA1(secret, username)). */
export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}
