import os from 'node:os';
import type { types } from 'mediasoup';

/** How the SFU listens and what it announces. Built from environment variables by the server. */
export interface SfuConfig {
  /** This SFU's id in a cluster (SFU_NODE_ID); 'local' in the embedded server. */
  nodeId?: string;
  /** mediasoup workers; one per core by default. */
  numWorkers: number;
  /** Local IP the WebRtcServers bind to. */
  listenIp: string;
  /** Address put in ICE candidates (public IP or hostname behind NAT); the listen IP when absent. */
  announcedAddress?: string;
  /**
   * UDP+TCP port of worker 0's WebRtcServer; worker i uses rtcPort + i.
   * 0 lets each worker pick a free port (tests).
   */
  rtcPort: number;
  /**
   * Kernel send and receive buffer of each worker's media sockets (bytes; 0: the OS default). A
   * worker that is off the CPU for a moment (a busy machine) or a burst of key frames from many
   * classrooms at once must not overflow the default ~208 KiB: those drops look like network loss.
   * The kernel caps it at net.core.rmem_max / wmem_max.
   */
  socketBufferBytes: number;
  /**
   * Floor of the bandwidth estimate towards each receiver (bits/s): the smallest camera layer
   * (≤ 150 kbit/s) plus audio always fits. Jitter on a rural link reads as congestion to the
   * estimator, which can fall below the smallest layer and stop video altogether for seconds;
   * with the floor a classroom keeps the teacher's picture, small and at a low frame rate.
   */
  minOutgoingBitrate: number;
  /** Start bitrate estimate for new transports: conservative, rural uplinks are thin. */
  initialAvailableOutgoingBitrate: number;
  logLevel: types.WorkerLogLevel;
  /** Local IP media taps send plain RTP from (the recorder's side of the link); loopback in one process. */
  tapListenIp: string;
  /** Local IP of node-to-node pipes (a lesson spanning SFU nodes): the nodes' private network. */
  pipeListenIp: string;
  /** Address other nodes reach this one's pipes at, if not the listen IP (NAT between nodes). */
  pipeAnnouncedAddress?: string;
}

export const DEFAULT_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export function defaultSfuConfig(overrides: Partial<SfuConfig> = {}): SfuConfig {
  return {
    numWorkers: os.availableParallelism(),
    listenIp: '0.0.0.0',
    rtcPort: 40000,
    socketBufferBytes: DEFAULT_SOCKET_BUFFER_BYTES,
    minOutgoingBitrate: 150_000,
    initialAvailableOutgoingBitrate: 600_000,
    logLevel: 'warn',
    tapListenIp: '127.0.0.1',
    pipeListenIp: '127.0.0.1',
    ...overrides,
  };
}

/**
 * The address to put in ICE candidates. A wildcard listen address (0.0.0.0) is
 * no address a browser can reach, so without RTC_ANNOUNCED_IP we announce the
 * first non-loopback IPv4 address (a school's private network), else loopback.
 */
export function resolveAnnouncedAddress(
  config: Pick<SfuConfig, 'listenIp' | 'announcedAddress'>,
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): string | undefined {
  if (config.announcedAddress) return config.announcedAddress;
  if (config.listenIp !== '0.0.0.0' && config.listenIp !== '::') return undefined;
  for (const entries of Object.values(interfaces)) {
    const lan = entries?.find((entry) => entry.family === 'IPv4' && !entry.internal);
    if (lan) return lan.address;
  }
  return '127.0.0.1';
}

/**
 * Codecs every lesson router offers.
 * Opus with in-band FEC and DTX: FEC rides out rural packet loss, DTX saves bandwidth in silent classrooms.
 * VP8 first (best simulcast support in browsers), H264 for room PCs with hardware encoders.
 */
export const mediaCodecs: types.RouterRtpCodecCapability[] = [
  {
    kind: 'audio',
    mimeType: 'audio/opus',
    clockRate: 48000,
    channels: 2,
    parameters: { useinbandfec: 1, usedtx: 1 },
  },
  {
    kind: 'video',
    mimeType: 'video/VP8',
    clockRate: 90000,
    parameters: { 'x-google-start-bitrate': 500 },
  },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: {
      'packetization-mode': 1,
      'profile-level-id': '42e01f',
      'level-asymmetry-allowed': 1,
      'x-google-start-bitrate': 500,
    },
  },
];
