import { type Clock, keepAliveClock, sleep } from '@rebound/load';

/** Polls `check` (a throw counts as false) until it holds; throws after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  clock: Clock = keepAliveClock,
): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  while (clock.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(clock, 200);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}
