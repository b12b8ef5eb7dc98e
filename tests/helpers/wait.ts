// Waiting in tests: a pause, and polling until something holds.
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Poll `probe` until it returns true (every 50 ms, up to timeoutMs). */
export async function until(probe: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
