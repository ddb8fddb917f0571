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
