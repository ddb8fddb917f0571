import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { TurnServiceConfig } from '../config.js';
import { directIceOnly, TurnCredentials, type IceServerProvider } from './TurnCredentials.js';
import { TurnServerProcess } from './TurnServerProcess.js';

export interface RunningTurn {
  /** What clients' transports are built with. */
  ice: IceServerProvider;
  /** The embedded coturn (TURN_EMBEDDED=on). */
  server: TurnServerProcess | undefined;
  close(): Promise<void>;
}

/**
 * TURN for the embedded server: credentials minted per participant for the operator's coturn, or
 * for a coturn this process starts and keeps running. An embedded coturn that cannot start stops
 * the server (the operator asked for it; better now than in a lesson); one that dies later is
 * restarted with back-off, and `classbridge_turn_up` says whether it is there.
 */
export async function startTurn(
  config: TurnServiceConfig | undefined,
  { sfuAddress, registry, logger }: { sfuAddress: string; registry: Registry; logger: Logger },
): Promise<RunningTurn> {
  if (!config) return { ice: directIceOnly, server: undefined, close: async () => {} };
  const credentials = new TurnCredentials(config);
  const minted = new Counter({ name: 'classbridge_turn_credentials_issued_total', help: 'TURN credentials minted for participants\' transports', registers: [registry] });
  const ice: IceServerProvider = {
    forParticipant(participantId, nowMs) {
      minted.inc();
      return credentials.forParticipant(participantId, nowMs);
    },
  };
  const embedded = config.embedded;
  if (!embedded) {
    logger.info({ urls: config.urls, policy: config.policy, ttlSeconds: config.ttlSeconds }, 'TURN on (an operator\'s server)');
    return { ice, server: undefined, close: async () => {} };
  }
  const server = new TurnServerProcess({
    bin: embedded.bin,
    listenIp: embedded.listenIp,
    port: embedded.port,
    ...(embedded.tls ? { tls: embedded.tls } : {}),
    minPort: embedded.minPort,
    maxPort: embedded.maxPort,
    realm: embedded.realm,
    secret: config.secret,
    peerAddresses: embedded.peerAddresses ?? [sfuAddress],
  });
  const restarts = new Counter({ name: 'classbridge_turn_restarts_total', help: 'Times the embedded coturn died and was started again', registers: [registry] });
  new Gauge({
    name: 'classbridge_turn_up',
    help: 'Whether the embedded coturn is running (1) or not (0)',
    registers: [registry],
    collect() {
      this.set(server.running ? 1 : 0);
    },
  });
  server.on('restarting', ({ code, signal, attempt }) => {
    restarts.inc();
    logger.error({ code, signal, attempt }, 'the embedded coturn exited; starting it again');
  });
  server.on('failed', ({ error }) => logger.error({ err: error.message }, 'the embedded coturn did not start; trying again'));
  await server.start();
  logger.info(
    { urls: config.urls, policy: config.policy, port: embedded.port, tlsPort: embedded.tls?.port, relayPorts: `${embedded.minPort}-${embedded.maxPort}`, peers: embedded.peerAddresses ?? [sfuAddress] },
    'TURN on (embedded coturn)',
  );
  return { ice, server, close: () => server.close() };
}
