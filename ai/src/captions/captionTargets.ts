import type { Role } from '@classbridge/protocol';

/** A live microphone producer in a lesson, with what the policy needs of its owner. */
export interface MicrophoneProducer {
  producerId: string;
  participantId: string;
  role: Role;
}

/**
 * Which microphones are captioned (pure): the teacher's always, and each classroom's or student's
 * while it holds the floor. Everyone else is either silent by floor control or not speaking to the
 * lesson, and captioning them would spend the caption worker on noise.
 */
export function captionTargets(microphones: readonly MicrophoneProducer[], floorHolders: readonly string[]): string[] {
  const holders = new Set(floorHolders);
  return microphones.filter((mic) => mic.role === 'teacher' || holders.has(mic.participantId)).map((mic) => mic.producerId);
}
