import type { MediaSource, Role } from '@classbridge/protocol';

/**
 * Which video a receiver on a constrained link keeps first (the SFU's consumer priority, 1–255):
 * the teacher's screen (slides must stay readable), then the teacher's camera, then whoever holds
 * the floor, then everyone else. Audio is never traded against video at the SFU (it is not part
 * of the bitrate the SFU distributes), so it keeps the default. Pure.
 */
export function mediaPriority({ role, source, hasFloor }: { role: Role; source: MediaSource; hasFloor: boolean }): number {
  if (source === 'microphone') return 1;
  if (role === 'teacher') return source === 'screen' ? 255 : 200;
  if (hasFloor) return 150;
  return 50;
}
