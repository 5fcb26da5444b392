// withHeartbeat (activities/deps.ts): the first beat a second in, then every second (the SDK
// throttles what it sends); none for work done within the first second — the server's heartbeat
// timeout runs from the activity's start, so a dead worker is still noticed.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HEARTBEAT_EVERY_MS, withHeartbeat } from '../../activities/deps.ts';

describe('withHeartbeat', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** Run work lasting `ms` (fake time) inside withHeartbeat; the beats the activity sent. */
  async function beatsFor(ms: number): Promise<{ beats: number; result: string }> {
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    const run = env.run(() => withHeartbeat(() => new Promise<string>((ok) => setTimeout(() => ok('done'), ms))));
    await vi.advanceTimersByTimeAsync(ms + 10 * HEARTBEAT_EVERY_MS);
    return { beats, result: (await run) as string };
  }

  it.each([
    [0, 0],
    [50, 0],
    [HEARTBEAT_EVERY_MS - 1, 0],
    [HEARTBEAT_EVERY_MS, 1],
    [HEARTBEAT_EVERY_MS + 1, 1],
    [2.5 * HEARTBEAT_EVERY_MS, 2],
    [5 * HEARTBEAT_EVERY_MS + 1, 5],
  ])('work of %i ms: %i beats', async (ms, expected) => {
    const { beats, result } = await beatsFor(ms);
    expect(result).toBe('done');
    expect(beats).toBe(expected);
  });

  it('stops beating when the work fails, and passes the failure on', async () => {
    const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') }); // the failure is expected
    let beats = 0;
    env.on('heartbeat', () => beats++);
    const run = env.run(() =>
      withHeartbeat(() => new Promise<never>((_, fail) => setTimeout(() => fail(new Error('no route')), 1.5 * HEARTBEAT_EVERY_MS))),
    );
    const settled = run.catch((err: Error) => err);
    await vi.advanceTimersByTimeAsync(10 * HEARTBEAT_EVERY_MS);
    expect(((await settled) as Error).message).toBe('no route');
    expect(beats).toBe(1);
  });
});
