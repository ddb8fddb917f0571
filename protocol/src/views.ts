import type { MediaSource, Role } from './roles.js';

/* Read-only views the server sends to clients. */

export type LessonStatus = 'scheduled' | 'live' | 'ended';

export interface LessonView {
  id: string;
  title: string;
  status: LessonStatus;
  mainClassroomId: string;
  remoteClassroomIds: string[];
}

export interface ParticipantView {
  participantId: string;
  displayName: string;
  role: Role;
  school: string | null;
  classroomId: string | null;
  handRaised: boolean;
  hasFloor: boolean;
  connected: boolean;
  /** The link quality the participant's SDK last reported (null: none yet). */
  network: NetworkQuality | null;
  /** The server hears the teacher come back through this classroom's microphone (null: it does not). */
  echo: EchoWarning | null;
}

/**
 * Acoustic echo from a remote classroom: its loudspeakers leak the lesson back into its room
 * microphone (the browser's echo canceller missed it), so the teacher hears their own voice late.
 * The hint for the room: turn the loudspeakers down, move the microphone away from them.
 */
export interface EchoWarning {
  /** How late the teacher's voice comes back, ms (the echo path's delay). */
  delayMs: number | null;
  /** Echo level relative to the teacher's voice, dB (e.g. −12; null: not estimated). */
  echoReturnLossDb: number | null;
  /** When the echo was first heard this time (Unix ms). */
  sinceMs: number;
  /** The classroom's SDK turns its microphone down while the teacher speaks (the server's ECHO_DUCK). */
  duck: boolean;
}

/** A client's own link quality, measured by its SDK (0–5; null when nothing should arrive). */
export interface NetworkQuality {
  score: number | null;
  /** Packet loss of what it received in the last interval, %. */
  lossPct: number;
  rttMs: number | null;
  jitterMs: number;
  /** Video freezes in the last interval. */
  freezes: number;
  /** Share of audio the browser had to invent in the last interval, %. */
  concealmentPct: number;
  /** What the browser estimates its uplink carries now, bit/s (null: it sends nothing). */
  availableOutgoingBitrate: number | null;
}

export interface ProducerInfo {
  producerId: string;
  participantId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  paused: boolean;
}

export interface FloorState {
  /** Participants whose microphones may be live (besides the teacher, who always may). */
  holders: string[];
  /** Raised hands in the order they were raised. */
  raisedHands: string[];
}
