import {
  type Backoff,
  type BackoffMemo,
  type Clock,
  fullJitterBackoff,
  type Random,
  systemClock,
  systemRandom,
  type TimerHandle,
} from '@rebound/resilience';
import type { Consumer } from 'kafkajs';
import type { PartitionLag } from './consumer-lag.reader.ts';
import type { ConsumerStatus, IdempotentConsumer } from './idempotent.consumer.ts';

export interface SupervisedConsumerOptions {
  /** Makes a fresh consumer; called for the first start and after every failed start or crash. */
  readonly create: () => IdempotentConsumer;
  /** Wait between attempts; default full jitter from 500 ms up to 30 s. */
  readonly backoff?: Backoff;
  /** How often a running consumer is checked for a crash kafkajs will not restart itself. Default 5 s. */
  readonly checkEveryMs?: number;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Each failed start or crash, with the delay before the next attempt. */
  readonly onRestart?: (error: unknown, delayMs: number, attempt: number) => void;
}

/**
 * An {@link IdempotentConsumer} that keeps itself running: a start that fails (broker down) is retried with
 * backoff, and a consumer kafkajs gave up on (`crashed`) is closed and replaced. `start()` returns at once,
 * so a service whose consumer is optional comes up while Kafka is still down. Lag reads the live consumer.
 */
export function supervisedConsumer(options: SupervisedConsumerOptions): IdempotentConsumer {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const backoff = options.backoff ?? fullJitterBackoff({ baseMs: 500, maxMs: 30_000 });
  const checkEveryMs = options.checkEveryMs ?? 5_000;
  const memo: BackoffMemo = { value: 0 };
  let current: IdempotentConsumer | undefined;
  let timer: TimerHandle | undefined;
  let failures = 0;
  let closed = false;
  let closing: Promise<void> | undefined;

  const schedule = (delayMs: number, action: () => void) => {
    timer?.cancel();
    timer = clock.setTimer(action, delayMs);
  };

  const retryAfter = (error: unknown) => {
    const delayMs = backoff.delay(failures, random, memo);
    failures++;
    options.onRestart?.(error, delayMs, failures);
    schedule(delayMs, attempt);
  };

  const watch = () => {
    if (closed) return;
    if (current?.status === 'crashed') {
      const crashed = current;
      current = undefined;
      crashed.close().catch(() => {});
      retryAfter(new Error('consumer crashed'));
      return;
    }
    schedule(checkEveryMs, watch);
  };

  function attempt(): void {
    if (closed) return;
    const consumer = options.create();
    current = consumer;
    consumer.start().then(
      () => {
        if (closed) return;
        failures = 0;
        memo.value = 0;
        schedule(checkEveryMs, watch);
      },
      (error: unknown) => {
        if (closed || current !== consumer) return;
        current = undefined;
        consumer.close().catch(() => {});
        retryAfter(error);
      },
    );
  }

  return {
    get status(): ConsumerStatus {
      if (closed) return 'stopped';
      return current?.status ?? 'starting';
    },
    async start() {
      if (!closed && current === undefined && timer === undefined) attempt();
    },
    close() {
      closing ??= (async () => {
        closed = true;
        timer?.cancel();
        await current?.close();
      })();
      return closing;
    },
    async lag(): Promise<PartitionLag[]> {
      return current?.status === 'running' ? current.lag() : [];
    },
    unwrap(): Consumer {
      if (!current) throw new Error('no consumer is running yet: the supervised consumer is still starting');
      return current.unwrap();
    },
  };
}
