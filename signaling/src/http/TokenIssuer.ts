import { randomUUID } from 'node:crypto';
import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';
import type { AccessClaims } from '@classbridge/protocol';
import type { TokenService } from '../auth/TokenService.js';
import type { DirectoryStore } from '../store/DirectoryStore.js';
import { directIceOnly, type IceConfiguration, type IceServerProvider } from '../turn/TurnCredentials.js';
import type { MintTokenInput } from './schemas.js';

/**
 * Decides who may be invited to a lesson in which seat, and mints their token:
 * the teacher sits in the main classroom, a classroom token names one of the lesson's remote classrooms.
 */
export class TokenIssuer {
  readonly #store: DirectoryStore;
  readonly #tokens: TokenService;
  readonly #ice: IceServerProvider;

  /** `ice`: TURN credentials are minted with each token (and again with each transport the SDK creates). */
  constructor(store: DirectoryStore, tokens: TokenService, ice: IceServerProvider = directIceOnly) {
    this.#store = store;
    this.#tokens = tokens;
    this.#ice = ice;
  }

  async issue(lessonId: string, input: MintTokenInput): Promise<{ token: string; expiresAt: string; claims: AccessClaims; ice: IceConfiguration }> {
    const lesson = await this.#store.getLesson(lessonId);
    if (!lesson) throw new ClassBridgeError(ErrorCode.NotFound, `no lesson ${lessonId}`);
    if (lesson.status === 'ended') throw new ClassBridgeError(ErrorCode.InvalidState, 'the lesson has ended');

    let classroomId: string | null = input.classroomId ?? null;
    if (input.role === 'teacher') {
      if (classroomId && classroomId !== lesson.mainClassroomId) throw new ClassBridgeError(ErrorCode.BadRequest, 'the teacher sits in the main classroom');
      classroomId = lesson.mainClassroomId;
    }
    if (input.role === 'classroom') {
      if (!classroomId) throw new ClassBridgeError(ErrorCode.BadRequest, 'a classroom token needs classroomId');
      if (!lesson.remoteClassroomIds.includes(classroomId)) throw new ClassBridgeError(ErrorCode.Forbidden, `classroom ${classroomId} is not invited to this lesson`);
    }
    const classroom = classroomId ? await this.#store.getClassroom(classroomId) : undefined;
    if (classroomId && !classroom) throw new ClassBridgeError(ErrorCode.NotFound, `no classroom ${classroomId}`);
    const school = classroom ? await this.#store.getSchool(classroom.schoolId) : undefined;

    const claims: AccessClaims = {
      sub: input.participantId ?? defaultParticipantId(input.role, classroomId),
      lessonId,
      role: input.role,
      name: input.displayName ?? classroom?.name ?? input.role,
      school: input.school ?? school?.name ?? null,
      classroomId,
    };
    return { ...this.#tokens.mint(claims, input.ttlSeconds), claims, ice: this.#ice.forParticipant(claims.sub) };
  }
}

/** A classroom or the teacher has one seat per lesson, so its id is fixed; people get a fresh one. */
function defaultParticipantId(role: MintTokenInput['role'], classroomId: string | null): string {
  if (role === 'teacher') return 'teacher';
  if (role === 'classroom' && classroomId) return `classroom-${classroomId}`;
  return `${role}-${randomUUID().slice(0, 8)}`;
}
