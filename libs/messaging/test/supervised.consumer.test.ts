import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constantBackoff, seededRandom } from '@rebound/resilience';
import { FakeClock, flushMicrotasks } from '@rebound/resilience/testing';
import type { Consumer } from 'kafkajs';
import type { ConsumerStatus, IdempotentConsumer } from '../src/index.ts';
import { supervisedConsumer } from '../src/index.ts';

/** A consumer whose start succeeds or fails as told, and that can be made to crash. */
class ScriptedConsumer implements IdempotentConsumer {
  status: ConsumerStatus = 'stopped';
  closes = 0;
  readonly #startFails: boolean;

  constructor(startFails: boolean) {
    this.#startFails = startFails;
  }

  async start(): Promise<void> {
    if (this.#startFails) throw new Error('broker unreachable');
    this.status = 'running';
  }

  async close(): Promise<void> {
    this.closes++;
    this.status = 'stopped';
  }

  async lag() {
    return [{ topic: 'orders.events', partition: 0, high: 9, committed: 2, lag: 7 }];
  }

  unwrap(): Consumer {
    throw new Error('not a kafkajs consumer');
  }
}

function scripted(outcomes: boolean[]) {
  const made: ScriptedConsumer[] = [];
  return {
    made,
    create: () => {
      const consumer = new ScriptedConsumer(outcomes[made.length] ?? false);
      made.push(consumer);
      return consumer;
    },
  };
}

describe('supervisedConsumer', () => {
  it('retries a failed start after its backoff until the broker answers', async () => {
    const clock = new FakeClock();
    const { made, create } = scripted([true, true, false]);
    const delays: number[] = [];
    const consumer = supervisedConsumer({
      create,
      clock,
      backoff: constantBackoff(1000),
      random: seededRandom(1),
      onRestart: (_error, delayMs) => delays.push(delayMs),
    });
    await consumer.start();
    await flushMicrotasks();
    assert.equal(made.length, 1);
    assert.equal(consumer.status, 'starting');
    await clock.tick(999);
    assert.equal(made.length, 1, 'no attempt before the backoff has passed');
    await clock.tick(1);
    await clock.tick(1000);
    assert.equal(made.length, 3);
    assert.equal(consumer.status, 'running');
    assert.deepEqual(delays, [1000, 1000]);
    assert.deepEqual(
      made.map((m) => m.closes),
      [1, 1, 0],
      'each failed consumer is closed, the running one is not',
    );
    await consumer.close();
  });

  it('replaces a consumer that crashed for good', async () => {
    const clock = new FakeClock();
    const { made, create } = scripted([false, false]);
    const consumer = supervisedConsumer({ create, clock, backoff: constantBackoff(200), checkEveryMs: 5000 });
    await consumer.start();
    await flushMicrotasks();
    assert.equal(consumer.status, 'running');
    const first = made[0];
    assert.ok(first);
    first.status = 'crashed';
    await clock.tick(5000);
    assert.equal(first.closes, 1);
    await clock.tick(200);
    assert.equal(made.length, 2);
    assert.equal(consumer.status, 'running');
    await consumer.close();
  });

  it('reads lag from the live consumer and none while starting', async () => {
    const clock = new FakeClock();
    const { create } = scripted([true, false]);
    const consumer = supervisedConsumer({ create, clock, backoff: constantBackoff(100) });
    await consumer.start();
    await flushMicrotasks();
    assert.deepEqual(await consumer.lag(), []);
    await clock.tick(100);
    assert.deepEqual(await consumer.lag(), [
      { topic: 'orders.events', partition: 0, high: 9, committed: 2, lag: 7 },
    ]);
    await consumer.close();
  });

  it('stops every timer and attempt when closed, even while waiting to retry', async () => {
    const clock = new FakeClock();
    const { made, create } = scripted([true, false]);
    const consumer = supervisedConsumer({ create, clock, backoff: constantBackoff(100) });
    await consumer.start();
    await flushMicrotasks();
    await consumer.close();
    assert.equal(clock.pendingTimers, 0);
    await clock.tick(1000);
    assert.equal(made.length, 1);
    assert.equal(consumer.status, 'stopped');
  });
});
