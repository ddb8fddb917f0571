import type { MicrophoneProducer } from '../captions/captionTargets.js';
import type { EchoRole } from './EchoGuards.js';

/**
 * Which microphones the echo guard listens to (pure), and as what: each remote classroom's while
 * it holds the floor (only then does the teacher hear it), and the teacher's as the reference —
 * what those classrooms are sent and could leak back — whenever there is such a classroom.
 * Students wear headsets and observers do not speak: neither is listened to.
 */
export function echoTargets(microphones: readonly MicrophoneProducer[], floorHolders: readonly string[]): Map<string, EchoRole> {
  const holders = new Set(floorHolders);
  const classrooms = microphones.filter((mic) => mic.role === 'classroom' && holders.has(mic.participantId));
  const targets = new Map<string, EchoRole>();
  if (classrooms.length === 0) return targets;
  for (const mic of microphones) if (mic.role === 'teacher') targets.set(mic.producerId, 'reference');
  for (const mic of classrooms) targets.set(mic.producerId, 'microphone');
  return targets;
}
