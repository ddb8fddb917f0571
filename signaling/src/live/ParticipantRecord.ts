import type { AccessClaims, EchoWarning, NetworkQuality, ParticipantView, Role } from '@classbridge/protocol';
import type { WireRtpCapabilities } from '@classbridge/protocol';

/** A connection of a participant: socket id (for messages) and SFU peer id (for media). */
export interface Connection {
  connectionId: string;
  peerId: string;
  rtpCapabilities: WireRtpCapabilities;
}

/** What a live lesson remembers about a participant, connected or not, so rejoin restores it. */
export class ParticipantRecord {
  readonly participantId: string;
  readonly role: Role;
  displayName: string;
  readonly school: string | null;
  readonly classroomId: string | null;
  handRaised = false;
  connection: Connection | null = null;
  /** What the participant's SDK last reported about its link (kept across a rejoin: the link is the same). */
  network: NetworkQuality | null = null;
  /** The echo guard hears the lesson leak back through this participant's microphone (null: not). */
  echo: EchoWarning | null = null;

  constructor(claims: AccessClaims) {
    this.participantId = claims.sub;
    this.role = claims.role;
    this.displayName = claims.name;
    this.school = claims.school ?? null;
    this.classroomId = claims.classroomId ?? null;
  }

  view(hasFloor: boolean): ParticipantView {
    return {
      participantId: this.participantId,
      displayName: this.displayName,
      role: this.role,
      school: this.school,
      classroomId: this.classroomId,
      handRaised: this.handRaised,
      hasFloor,
      connected: this.connection !== null,
      network: this.network,
      echo: this.echo,
    };
  }
}
