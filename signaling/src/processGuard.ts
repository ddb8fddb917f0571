import type { Logger } from 'pino';

export type UncaughtKind = 'exception' | 'rejection';

/**
 * The last line of defence of a process that carries every lesson of a district:
 * an error nothing caught (a bug in one request's handler, a library callback
 * throwing) is logged and counted, and the process keeps serving instead of
 * taking every classroom and media worker down with it. Each such log line is a
 * bug to fix; the metric lets operators alert on it.
 */
export function installProcessGuard(logger: Logger, count: (kind: UncaughtKind) => void): () => void {
  const onException = (error: unknown) => report('exception', error);
  const onRejection = (reason: unknown) => report('rejection', reason);
  function report(kind: UncaughtKind, error: unknown): void {
    try {
      count(kind);
      logger.error({ kind, err: error instanceof Error ? error.stack : String(error) }, `uncaught ${kind}; still serving`);
    } catch {
      // Logging itself failed: nothing more can be done, and throwing here would end the process.
    }
  }
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
