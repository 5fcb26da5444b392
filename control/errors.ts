// Errors of run control (control/run.ts). Each caller answers them in its own shape: the API's
// generations map them to their error bodies (api/errors.ts, api/v2/), a CLI prints them.

/** No Temporal client: a run cannot be started or resumed now. */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
  constructor() {
    super('the workflow engine is not available');
  }
}
