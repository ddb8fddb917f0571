import type { types } from 'mediasoup-client';
import type { MediaSource } from '@classbridge/protocol';

/*
 * How each source is encoded. Camera: three simulcast layers so the SFU can give
 * a weak rural link the 180p layer while the projector in town gets 720p.
 */

export const cameraEncodings: types.RtpEncodingParameters[] = [
  { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000, scalabilityMode: 'L1T3' },
  { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000, scalabilityMode: 'L1T3' },
  { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_200_000, scalabilityMode: 'L1T3' },
];

/** Slides and blackboard captures: sharp text matters more than motion. */
export const screenEncodings: types.RtpEncodingParameters[] = [{ maxBitrate: 1_500_000, dtx: true }];

/** In-band FEC rides out loss on rural links; DTX saves bandwidth while a class is quiet. */
export const microphoneCodecOptions: types.ProducerCodecOptions = { opusFec: true, opusDtx: true, opusStereo: false };

export interface CameraOptions {
  deviceId?: string;
  /** Video codec to send; VP8 by default. H264 suits room PCs with hardware encoders. */
  codec?: 'VP8' | 'H264';
  width?: number;
  height?: number;
  frameRate?: number;
}

export interface MicrophoneOptions {
  deviceId?: string;
  /** Browser audio processing: on by default because classrooms have loudspeakers, not headsets. */
  echoCancellation?: boolean;
  noiseSuppression?: boolean;
  autoGainControl?: boolean;
}

export function cameraConstraints(options: CameraOptions = {}): MediaStreamConstraints {
  return {
    video: {
      ...(options.deviceId ? { deviceId: { exact: options.deviceId } } : {}),
      width: { ideal: options.width ?? 1280 },
      height: { ideal: options.height ?? 720 },
      frameRate: { ideal: options.frameRate ?? 24 },
    },
  };
}

export function microphoneConstraints(options: MicrophoneOptions = {}): MediaStreamConstraints {
  return {
    audio: {
      ...(options.deviceId ? { deviceId: { exact: options.deviceId } } : {}),
      echoCancellation: options.echoCancellation ?? true,
      noiseSuppression: options.noiseSuppression ?? true,
      autoGainControl: options.autoGainControl ?? true,
    },
  };
}

/** The SDK owns the tracks: a closed transport (reconnect, media reset) must not stop the camera. */
export function produceOptions(source: MediaSource, track: MediaStreamTrack, codec?: types.RtpCodecCapability): types.ProducerOptions {
  const common = { track, stopTracks: false, appData: { source }, ...(codec ? { codec } : {}) };
  switch (source) {
    case 'camera':
      return { ...common, encodings: cameraEncodings };
    case 'screen':
      return { ...common, encodings: screenEncodings };
    case 'microphone':
      return { ...common, codecOptions: microphoneCodecOptions };
  }
}
