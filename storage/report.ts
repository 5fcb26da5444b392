// The autocall report's store (issue 6): rollups of call records. Placeholder until built.
import type { Db } from 'mongodb';
import type { CallDoc } from './calls.ts';

/** Called once a call record is final (may be called again for the same record: idempotent). */
export async function noteForReport(_db: Db, _call: CallDoc): Promise<void> {}
