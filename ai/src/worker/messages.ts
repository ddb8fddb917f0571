import type { Caption, CaptionLanguage } from '@classbridge/protocol';
import type { EchoRole } from '../echo/EchoGuards.js';
import type { EchoVerdict } from '../echo/EchoVerdict.js';

/** Parent → caption worker process. */
export type WorkerCommand =
  /**
   * Start decoding a microphone, for captions and/or the echo guard: the worker binds a UDP port
   * for the media tap and answers `opened`.
   */
  | {
      type: 'open';
      streamId: string;
      participantId: string;
      speaker: string;
      /** The language to caption in; null: no captions (the echo guard only). */
      language: CaptionLanguage | null;
      payloadType: number;
      /** The echo guard's view of this microphone within its lesson (absent: no echo guard). */
      echo?: { lessonId: string; role: EchoRole };
    }
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
  /** A classroom microphone's echo verdict changed (clear / suspect / leaking). */
  | { type: 'echo'; streamId: string; verdict: EchoVerdict }
  /** A stream is closed and its last final caption (if any) was sent before this. */
  | { type: 'closed'; streamId: string }
  | { type: 'error'; streamId: string | null; code: string; message: string };
