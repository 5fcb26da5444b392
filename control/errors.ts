// Errors of run control (control/run.ts). Each caller answers them in its own shape: the API's
// generations map them to their error bodies (api/errors.ts, api/v2/), a CLI prints them.

/** No Temporal client: a run cannot be started or resumed now. */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
  constructor() {
    super('the workflow engine is not available');
  }
}

/** Seconds a client is told to wait (Retry-After) when a dependency is down. */
export const RETRY_AFTER_S = 5;

/**
 * The error says a dependency is down (not that the request is wrong): the store unreachable or
 * its connection lost, or Temporal unreachable. The answer is 503 with Retry-After, in each API
 * generation's shape, so clients retry instead of giving up; every import is safe to retry
 * (docs/operations.md, "Retrying a request"). Returns the message to answer, or undefined.
 */
export function dependencyDown(err: unknown): string | undefined {
  if (err instanceof TemporalUnavailableError) return err.message;
  const name = (err as { name?: unknown } | null)?.name;
  if (typeof name !== 'string') return undefined;
  if (STORE_DOWN.has(name)) return 'the store is not available; retry later';
  // @temporalio/client: a gRPC UNAVAILABLE (14) or DEADLINE_EXCEEDED (4) from the server.
  const code = (err as { cause?: { code?: unknown }; code?: unknown }).cause?.code ?? (err as { code?: unknown }).code;
  if (name === 'ServiceError' && (code === 14 || code === 4)) return 'the workflow engine is not available';
  return undefined;
}

const STORE_DOWN = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'PoolClearedError',
  'PoolClearedOnNetworkError',
]);
