import { Device, RTCRtpCodecParameters, useNACK, usePLI, useSdesMid, useSdesRTPStreamId } from 'msc-node';
import type { types } from 'msc-node';

/**
 * mediasoup-client Devices (msc-node: werift underneath) for bots, one per distinct
 * router: a Device is only capabilities, and loading one per bot would cost more than
 * the bot. Bots negotiate no congestion-control feedback (TWCC, REMB): on loopback it
 * would only cost CPU, and without it the SFU forwards the layer asked for.
 */
export class BotDevices {
  readonly #devices = new Map<string, Promise<Device>>();

  get(routerRtpCapabilities: unknown): Promise<Device> {
    const key = JSON.stringify(routerRtpCapabilities);
    let device = this.#devices.get(key);
    if (!device) {
      device = load(routerRtpCapabilities as types.RtpCapabilities);
      this.#devices.set(key, device);
      device.catch(() => this.#devices.delete(key));
    }
    return device;
  }
}

async function load(routerRtpCapabilities: types.RtpCapabilities): Promise<Device> {
  const device = new Device({
    headerExtensions: { video: [useSdesMid(), useSdesRTPStreamId()], audio: [useSdesMid()] },
    codecs: {
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96, rtcpFeedback: [useNACK(), usePLI()] })],
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })],
    },
  });
  await device.load({ routerRtpCapabilities });
  return device;
}
