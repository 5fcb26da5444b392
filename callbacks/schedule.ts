// Callback deliveries (issue 6): what a finished call or an answer sends to the customer's URLs.
// Placeholder until built.
import type { ActivityDeps } from '../activities/index.ts';
import type { CallDoc } from '../storage/calls.ts';

/** Called once a call record is final (may be called again for the same record: idempotent). */
export async function scheduleCallDeliveries(_deps: ActivityDeps, _call: CallDoc): Promise<void> {}
