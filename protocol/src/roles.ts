/**
 * Roles in a dedicated-classroom lesson and what each may do.
 * The server enforces this table; clients read it only to show what is allowed.
 */
export const roles = ['teacher', 'classroom', 'student', 'observer', 'recorder', 'captioner'] as const;
export type Role = (typeof roles)[number];

export const mediaSources = ['camera', 'microphone', 'screen'] as const;
export type MediaSource = (typeof mediaSources)[number];

interface RolePolicy {
  /** Sources this role may publish at all. */
  publish: readonly MediaSource[];
  /** Sources that additionally need the floor (发言权) to be live. */
  needsFloor: readonly MediaSource[];
  /** May grant/revoke the floor, mute, remove, spotlight, end the lesson. */
  moderate: boolean;
  /** May raise a hand to ask for the floor. */
  raiseHand: boolean;
  /** Receives media (service identities such as the recorder do, observers do). */
  receive: boolean;
  /** Shown to other participants (service identities are not). */
  visible: boolean;
}

const policies: Record<Role, RolePolicy> = {
  teacher: { publish: ['camera', 'microphone', 'screen'], needsFloor: [], moderate: true, raiseHand: false, receive: true, visible: true },
  // A remote classroom has loudspeakers and a room microphone: its mic is live only with the floor (echo control).
  classroom: { publish: ['camera', 'microphone'], needsFloor: ['microphone'], moderate: false, raiseHand: true, receive: true, visible: true },
  student: { publish: ['camera', 'microphone'], needsFloor: ['microphone'], moderate: false, raiseHand: true, receive: true, visible: true },
  observer: { publish: [], needsFloor: [], moderate: false, raiseHand: false, receive: true, visible: true },
  recorder: { publish: [], needsFloor: [], moderate: false, raiseHand: false, receive: true, visible: false },
  captioner: { publish: [], needsFloor: [], moderate: false, raiseHand: false, receive: true, visible: false },
};

export function canPublish(role: Role, source: MediaSource): boolean {
  return policies[role].publish.includes(source);
}

export function needsFloor(role: Role, source: MediaSource): boolean {
  return policies[role].needsFloor.includes(source);
}

export function canModerate(role: Role): boolean {
  return policies[role].moderate;
}

export function canRaiseHand(role: Role): boolean {
  return policies[role].raiseHand;
}

export function isVisible(role: Role): boolean {
  return policies[role].visible;
}

/** The kind of media a source produces. */
export function kindOfSource(source: MediaSource): 'audio' | 'video' {
  return source === 'microphone' ? 'audio' : 'video';
}
