// Failpoints: named places where a test can make this process die at an exact moment (SIGKILL,
// as a crash would), to reproduce the races that only a crash at that moment shows. Off unless
// CR_FAILPOINTS names the point (comma-separated); a test starts the process with it, lets it
// die, and starts it again without. Never set in production.
const armed = new Set(
  (process.env.CR_FAILPOINTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** The failpoints code calls (one home, so a test names a point that exists). */
export type Failpoint =
  /** The run's startLeads activity has started its lead workflows and not yet returned. */
  | 'startLeads.started'
  /** A v2 queue import has stored its leads and not yet started or woken the queue's run. */
  | 'v2import.stored';

export function failpoint(name: Failpoint): void {
  if (armed.has(name)) process.kill(process.pid, 'SIGKILL');
}
