import type { Random } from '../../common/seeded.random.ts';
import type { Backoff, BackoffMemo } from './backoff.types.ts';

/** The same delay before every retry. */
export class ConstantBackoff implements Backoff {
  readonly delayMs: number;

  constructor(delayMs: number) {
    this.delayMs = delayMs;
  }

  delay(_retry: number, _random: Random, _memo: BackoffMemo): number {
    return this.delayMs;
  }
}

export function constantBackoff(delayMs: number): ConstantBackoff {
  return new ConstantBackoff(delayMs);
}
