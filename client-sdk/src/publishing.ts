import type { types } from 'mediasoup-client';
import type { MediaSource } from '@classbridge/protocol';
import { cameraEncodings, captureSize } from './simulcast.js';

/*
 * How each source is encoded. Camera: simulcast layers from the capture size
 * (simulcast.ts), so the SFU can give a weak rural link a small layer while the
 * projector in town gets the full picture.
 */

/** Slides and blackboard captures: sharp text matters more than motion. */
export const screenEncodings: types.RtpEncodingParameters[] = [{ maxBitrate: 1_500_000, dtx: true }];

/** In-band FEC rides out loss on rural links; DTX saves bandwidth while a class is quiet. */
export const microphoneCodecOptions: types.ProducerCodecOptions = { opusFec: true, opusDtx: true, opusStereo: false };

/**
 * Music lessons: steady tones and chords survive (no DTX cutting sustained notes), stereo,
 * and a bitrate where instruments sound like instruments. FEC stays for lossy links.
 */
export const musicCodecOptions: types.ProducerCodecOptions = { opusFec: true, opusDtx: false, opusStereo: true, opusMaxAverageBitrate: 128_000 };

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
  /**
   * Music mode, for the teacher of a music lesson: echo cancellation, noise suppression and
   * automatic gain off (they flatten or cut steady tones), stereo, 128 kbit/s Opus. Refused for
   * remote classrooms: loudspeakers next to the room microphone need echo cancellation.
   */
  music?: boolean;
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
  const device = options.deviceId ? { deviceId: { exact: options.deviceId } } : {};
  if (options.music) {
    return { audio: { ...device, echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: { ideal: 2 }, sampleRate: { ideal: 48_000 } } };
  }
  return {
    audio: {
      ...device,
      echoCancellation: options.echoCancellation ?? true,
      noiseSuppression: options.noiseSuppression ?? true,
      autoGainControl: options.autoGainControl ?? true,
    },
  };
}

/** The SDK owns the tracks: a closed transport (reconnect, media reset) must not stop the camera. */
export function produceOptions(source: MediaSource, track: MediaStreamTrack, options: { codec?: types.RtpCodecCapability; music?: boolean } = {}): types.ProducerOptions {
  const common = { track, stopTracks: false, appData: { source }, ...(options.codec ? { codec: options.codec } : {}) };
  switch (source) {
    case 'camera':
      return { ...common, encodings: cameraEncodings(captureSize(track)) };
    case 'screen':
      return { ...common, encodings: screenEncodings };
    case 'microphone':
      // High priority: when the uplink is short, the browser cuts video bitrate before voice.
      return { ...common, encodings: [{ priority: 'high', networkPriority: 'high' }], codecOptions: options.music ? musicCodecOptions : microphoneCodecOptions };
  }
}
