import { ClassBridgeError, ErrorCode } from '@classbridge/protocol';

/**
 * Redis failures (unreachable, restarting) as the stable UNAVAILABLE error a client can retry on;
 * the cluster's clients fail fast while disconnected (no offline queue), so this comes at once, not after a hang.
 */
export async function orUnavailable<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof ClassBridgeError) throw error;
    throw new ClassBridgeError(ErrorCode.Unavailable, "the cluster's shared state (Redis) is unreachable; try again shortly");
  }
}
