import type { Caption, CaptionLanguage } from '@classbridge/protocol';

/** Parent → caption worker process. */
export type WorkerCommand =
  /** Start captioning a speaker: the worker binds a UDP port for the media tap and answers `opened`. */
  | { type: 'open'; streamId: string; participantId: string; speaker: string; language: CaptionLanguage; payloadType: number }
  /** The sender's RTCP sender report for the tapped producer (places RTP times on the capture clock). */
  | { type: 'senderReport'; streamId: string; ssrc: number; ntpMs: number; rtpTimestamp: number }
  /** The speaker stopped being captioned for now (lost the floor): finish the utterance in progress. */
  | { type: 'flush'; streamId: string }
  | { type: 'close'; streamId: string };

/** Caption worker process → parent. */
export type WorkerEvent =
  | { type: 'ready' }
  | { type: 'opened'; streamId: string; port: number }
  | { type: 'caption'; streamId: string; caption: Caption }
  | { type: 'lag'; streamId: string; lagMs: number }
  /** A stream is closed and its last final caption (if any) was sent before this. */
  | { type: 'closed'; streamId: string }
  | { type: 'error'; streamId: string | null; code: string; message: string };
