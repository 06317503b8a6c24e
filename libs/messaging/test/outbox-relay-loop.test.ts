import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '@rebound/resilience';
import { FakeClock, flushMicrotasks } from '@rebound/resilience/testing';
import type { Database } from '@rebound/storage';
import { createOutboxRelay, type MessageProducer, PublishError } from '../src/index.ts';

/** A database holding `unsent` outbox rows in memory (only the relay's two statements). */
function fakeDb(unsent: number): Database & { unsent: number } {
  const db = {
    kind: 'postgres' as const,
    schema: 'test',
    unsent,
    async query(sql: string, params?: readonly unknown[]) {
      if (sql.includes('pg_try_advisory_xact_lock'))
        return { rows: [{ locked: true }], rowCount: 1 } as never;
      if (sql.startsWith('SELECT id')) {
        const limit = Number(params?.[0]);
        const rows = Array.from({ length: Math.min(limit, db.unsent) }, (_, i) => ({
          id: i + 1,
          event_id: `e-${i}`,
          topic: 't',
          message_key: 'k',
          event_type: 'T',
          payload: '{}',
          headers: {},
        }));
        return { rows, rowCount: rows.length } as never;
      }
      if (sql.startsWith('UPDATE outbox')) {
        const ids = params?.[0] as number[];
        db.unsent -= ids.length;
        return { rows: [], rowCount: ids.length } as never;
      }
      throw new Error(`unexpected SQL ${sql}`);
    },
    exec: async () => {},
    // One relay: the round's transaction is the database itself, and its advisory lock is always free.
    transaction: async <T>(fn: (tx: Database) => Promise<T>): Promise<T> => fn(db as Database),
    ping: async () => {},
    close: async () => {},
  };
  return db;
}

function fakeProducer(): MessageProducer & { down: boolean; sent: number } {
  const producer = {
    down: true,
    sent: 0,
    status: 'connected' as const,
    connect: async () => {},
    async send(batch: ReadonlyArray<{ topic: string; messages: readonly unknown[] }>) {
      if (producer.down) throw new PublishError(['t'], new Error('Connection error: ECONNREFUSED'));
      for (const entry of batch) producer.sent += entry.messages.length;
    },
    close: async () => {},
    unwrap: () => {
      throw new Error('no kafkajs producer');
    },
  };
  return producer;
}

describe('outbox relay loop (fake clock, fake producer)', () => {
  it('caps the backoff, resets it after a success, and runs only when its timer fires', async () => {
    const clock = new FakeClock();
    const db = fakeDb(250);
    const producer = fakeProducer();
    const delays: number[] = [];
    const relay = createOutboxRelay({
      db,
      producer,
      clock,
      random: seededRandom(1),
      batchSize: 100,
      backoffBaseMs: 100,
      backoffMaxMs: 1_000,
      onError: (_e, _n, delay) => delays.push(delay),
    });
    relay.start();
    await flushMicrotasks();
    for (let i = 0; i < 8; i++) {
      assert.equal(clock.pendingTimers, 1);
      await clock.tick(clock.nextDue! - clock.now());
      await flushMicrotasks();
    }
    assert.equal(relay.stats.rounds, 9);
    assert.equal(delays.length, 9);
    assert.ok(
      delays.slice(4).every((d) => d >= 500 && d <= 1_000),
      `capped: ${delays.join(', ')}`,
    );
    for (let i = 0; i < 4; i++) assert.ok(delays[i]! <= 100 * 2 ** i && delays[i]! >= 50 * 2 ** i);

    producer.down = false;
    relay.wake(); // no effect while backing off: an outage is not cut short
    await flushMicrotasks();
    assert.equal(relay.stats.rounds, 9);
    await clock.tick(clock.nextDue! - clock.now());
    // Full batches follow each other at once (delay 0) until the backlog is gone, then the poll interval.
    for (let i = 0; i < 5 && db.unsent > 0; i++) await clock.tick(0);
    await flushMicrotasks();
    assert.equal(db.unsent, 0);
    assert.equal(producer.sent, 250);
    assert.equal(relay.stats.consecutiveFailures, 0);
    assert.equal(relay.stats.lastDelayMs, 500);

    relay.wake(); // during a poll wait it runs at once
    await flushMicrotasks();
    assert.equal(relay.stats.rounds, 13); // 9 failed, 100 + 100 + 50 rows, then the woken one
    await relay.stop();
    assert.equal(clock.pendingTimers, 0);
  });
});
